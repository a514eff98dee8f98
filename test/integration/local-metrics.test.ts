import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEvergate, type TestEvergate, type TestUser } from "../support/harness.ts";

/**
 * Locally the metrics the Lambda writes as EMF (ADR 029): the same names and dimensions, from
 * the same recording points, aggregated by src/local/metrics-summary.ts.
 */
let evergate: TestEvergate;
let buyer: TestUser;
let productId: string;
beforeAll(async () => {
  evergate = await startTestEvergate();
  const seller = await evergate.newUser("seller");
  buyer = await evergate.newUser("buyer");
  productId = (await evergate.createProduct(seller, { title: "Measured", filename: "m.txt" })).id;
  expect(
    (await evergate.request("POST", `/api/products/${productId}/orders`, { token: buyer.token })).status,
  ).toBe(201);
});
afterAll(() => evergate?.stop());

describe("local metrics, named as in AWS", () => {
  it("counts link outcomes, requests by route, 4xx, latency, DynamoDB and presign timings", async () => {
    const created = await evergate.request("POST", "/api/links", {
      token: buyer.token,
      json: { productId, maxDownloads: 3 },
    });
    expect(created.status).toBe(201);
    const { token } = await json<{ token: string }>(created);
    evergate.metrics.takeSummary(); // start a clean window

    for (let i = 0; i < 300; i++) {
      expect((await evergate.request("GET", `/l/evg_not-a-token-${i}`)).status).toBe(404);
    }
    expect((await evergate.request("GET", `/l/${token}`)).status).toBe(409); // a GET never spends a limited link
    expect((await evergate.request("POST", `/l/${token}`)).status).toBe(303);
    expect((await evergate.request("POST", `/l/${token}`)).status).toBe(303); // the same client, in its grace
    expect((await evergate.request("GET", "/api/links/lnk_missing", { token: buyer.token })).status).toBe(
      400,
    );

    const summary = evergate.metrics.takeSummary();
    const value = (name: Parameters<typeof evergate.metrics.find>[1], dimensions?: Record<string, string>) =>
      evergate.metrics.find(summary, name, dimensions);
    expect(value("LinkOutcomes", { Outcome: "invalid_token" })?.sum).toBe(300);
    expect(value("LinkOutcomes", { Outcome: "confirmation_required" })?.sum).toBe(1);
    expect(value("LinkOutcomes", { Outcome: "granted" })?.sum).toBe(1);
    expect(value("LinkOutcomes", { Outcome: "grace_rehit" })?.sum).toBe(1);
    expect(value("Requests", { Route: "/l/{token}" })?.sum).toBe(303);
    expect(value("ClientErrors", { Route: "/l/{token}" })?.sum).toBe(301);
    expect(value("ServerErrors", { Route: "/l/{token}" })?.sum).toBe(0);
    expect(value("ClientErrors", { Route: "/api/links/{id}" })?.sum).toBe(1);
    expect(value("Requests")?.sum).toBe(304); // the total, as the alarms read it
    const latency = value("Latency", { Route: "/l/{token}" });
    expect(latency?.count).toBe(303);
    expect(latency?.p99).toBeGreaterThanOrEqual(latency?.p50 ?? Number.POSITIVE_INFINITY);
    // Forged and malformed tokens cost no DynamoDB call: three hits, one UpdateItem each
    expect(value("DynamoDBLatency", { Operation: "UpdateItem" })?.count).toBe(3);
    expect(value("PresignLatency")?.count).toBe(2);
  });
});
