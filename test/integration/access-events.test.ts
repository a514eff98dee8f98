import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessEvent } from "#src/domain/access-event.ts";
import { createDynamoClient } from "#src/storage/dynamo-client.ts";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";

let evergate: TestEvergate;
let seller: TestUser;
let buyer: TestUser;
let product: TestProduct;

beforeAll(async () => {
  // The deployment's proxy header is trusted here, as CloudFront's is in AWS: the test plays it.
  evergate = await startTestEvergate({
    configOverrides: { CLIENT_ADDRESS_HEADER: "x-test-viewer", CLIENT_COUNTRY_HEADER: "x-test-country" },
  });
  [seller, buyer] = await Promise.all([evergate.newUser("seller"), evergate.newUser("buyer")]);
  product = await evergate.createProduct(seller, { title: "Logged thing", filename: "log.txt" });
  expect(
    (await evergate.request("POST", `/api/products/${product.id}/orders`, { token: buyer.token })).status,
  ).toBe(201);
});
afterAll(() => evergate?.stop());

async function createLink(body: Record<string, unknown> = {}) {
  const response = await evergate.request("POST", "/api/links", {
    token: buyer.token,
    json: { productId: product.id, ...body },
  });
  expect(response.status).toBe(201);
  return json<{ id: string; token: string }>(response);
}

const hit = (token: string, viewer: string, headers: Record<string, string> = {}, method = "GET") =>
  evergate.request(method, `/l/${token}`, {
    headers: { "user-agent": "curl/8.5.0", "x-test-viewer": viewer, ...headers },
  });

/** Polls the access log until `until` holds; answers the events and how long it took. */
async function eventsOf(linkId: string, until: (events: AccessEvent[]) => boolean) {
  const startedAt = performance.now();
  for (;;) {
    const { items } = await evergate.deps.stores.events.listByLink(linkId, { limit: 100 });
    if (until(items)) return { events: items, lagMs: performance.now() - startedAt };
    if (performance.now() - startedAt > 5000)
      throw new Error(`events never arrived: ${JSON.stringify(items)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("access events from the table's stream", () => {
  it("a download appears in the link's events within seconds, with client class, country and a client id", async () => {
    const link = await createLink();
    const response = await hit(link.token, "203.0.113.7", {
      "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
      "x-test-country": "de",
    });
    expect(response.status).toBe(302);
    const { events, lagMs } = await eventsOf(link.id, (items) =>
      items.some((event) => event.kind === "download"),
    );
    console.info(`event lag (write -> event readable): ${lagMs.toFixed(0)} ms`);
    expect(lagMs).toBeLessThan(2000);
    const download = events.find((event) => event.kind === "download");
    expect(download).toMatchObject({
      linkId: link.id,
      productId: product.id,
      ownerId: buyer.userId,
      outcome: "granted",
      client: { class: "browser", browser: "Firefox", os: "Linux" },
      country: "DE",
    });
    expect(download?.clientId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(events.map((event) => event.kind)).toContain("created");
  });

  it("the client id is the gateway's same-client key: same address and agent, same id; another address, another", async () => {
    // No grace on this link, so the same client's second hit counts (and logs) again.
    const link = await createLink({ graceSeconds: 0 });
    for (const viewer of ["198.51.100.1", "198.51.100.1", "198.51.100.2"]) {
      expect((await hit(link.token, viewer)).status).toBe(302);
    }
    const { events } = await eventsOf(
      link.id,
      (items) => items.filter((event) => event.kind === "download").length === 3,
    );
    const ids = events.filter((event) => event.kind === "download").map((event) => event.clientId);
    expect(new Set(ids).size).toBe(2);
    expect(events.find((event) => event.kind === "download")?.client).toEqual({
      class: "cli",
      browser: "curl",
    });
  });

  it("a re-hit inside the client's grace is served but not logged: its download already is", async () => {
    const link = await createLink();
    for (let i = 0; i < 3; i++) expect((await hit(link.token, "198.51.100.77")).status).toBe(302);
    expect((await hit(link.token, "198.51.100.78")).status).toBe(302);
    await evergate.streamConsumer.idle();
    const { events } = await eventsOf(
      link.id,
      (items) => items.filter((event) => event.kind === "download").length === 2,
    );
    expect(events.filter((event) => event.kind === "refused")).toEqual([]);
  });

  it("a refusal on a known link is logged with its reason; the last download also logs exhausted", async () => {
    const link = await createLink({ maxDownloads: 1 });
    expect((await hit(link.token, "192.0.2.1", {}, "POST")).status).toBe(303);
    // Another client: the first one would be served again inside its grace.
    expect((await hit(link.token, "192.0.2.2", {}, "POST")).status).toBe(410);
    const { events } = await eventsOf(link.id, (items) => items.some((event) => event.kind === "refused"));
    expect(events.find((event) => event.kind === "refused")).toMatchObject({ outcome: "exhausted" });
    expect(events.map((event) => event.kind)).toEqual(
      expect.arrayContaining(["download", "exhausted", "refused"]),
    );
  });

  it("revoking logs revoked, rotating logs rotated, and a hit on a revoked link is refused as revoked", async () => {
    const revoked = await createLink();
    expect(
      (await evergate.request("DELETE", `/api/links/${revoked.id}`, { token: buyer.token })).status,
    ).toBe(200);
    expect((await hit(revoked.token, "192.0.2.9")).status).toBe(410);
    const { events } = await eventsOf(revoked.id, (items) => items.some((event) => event.kind === "refused"));
    expect(events.find((event) => event.kind === "refused")).toMatchObject({ outcome: "revoked" });
    expect(events.map((event) => event.kind)).toContain("revoked");

    const rotated = await createLink();
    expect(
      (await evergate.request("POST", `/api/links/${rotated.id}/rotate`, { token: buyer.token })).status,
    ).toBe(201);
    const after = await eventsOf(rotated.id, (items) => items.some((event) => event.kind === "rotated"));
    expect(after.events.map((event) => event.kind)).not.toContain("revoked");
  });

  it("hammering a dead link: 300 refusals cost at most one logged refusal per second", async () => {
    const link = await createLink();
    expect((await evergate.request("DELETE", `/api/links/${link.id}`, { token: buyer.token })).status).toBe(
      200,
    );
    const startedAt = Date.now();
    const statuses: number[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const waveStatuses = await Promise.all(
        Array.from({ length: 30 }, (_, j) => {
          const i = wave * 30 + j;
          return hit(link.token, `10.0.${i >> 8}.${i & 255}`).then((r) => r.status);
        }),
      );
      statuses.push(...waveStatuses);
    }
    const seconds = Math.ceil((Date.now() - startedAt) / 1000) + 1;
    expect(new Set(statuses)).toEqual(new Set([410]));
    await evergate.streamConsumer.idle();
    const { items } = await evergate.deps.stores.events.listByLink(link.id, { limit: 1000 });
    const refusals = items.filter((event) => event.kind === "refused").length;
    expect(refusals).toBeGreaterThanOrEqual(1);
    expect(refusals).toBeLessThanOrEqual(seconds);
  }, 120_000);

  it("the granted redirect stays one DynamoDB call: the hit rides in its UpdateItem", async () => {
    const link = await createLink();
    await evergate.streamConsumer.idle();
    const operations: string[] = [];
    const unsubscribe = evergate.stack.onDynamoRequest((operation) => operations.push(operation));
    const response = await hit(link.token, "192.0.2.50");
    unsubscribe();
    expect(response.status).toBe(302);
    // The consumer's own writes (PutItem of events) may interleave; the redirect's are the rest.
    expect(operations.filter((operation) => operation !== "PutItem")).toEqual(["UpdateItem"]);
    const stored = await evergate.deps.stores.links.get(link.id);
    expect((stored as unknown as { lastHit: unknown }).lastHit).toEqual({
      at: expect.any(String),
      clientId: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
      userAgent: "curl/8.5.0",
      outcome: "granted",
    });
  });

  it("no raw IP is stored anywhere in the table", async () => {
    await evergate.streamConsumer.idle();
    const client = createDynamoClient({
      region: evergate.config.AWS_REGION,
      endpoint: evergate.config.DYNAMODB_ENDPOINT,
      credentials: evergate.stack.credentials,
    });
    let startKey: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
    let text = "";
    let items = 0;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: evergate.config.TABLE_NAME, ExclusiveStartKey: startKey }),
      );
      items += page.Items?.length ?? 0;
      text += JSON.stringify(page.Items);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    client.destroy();
    expect(items).toBeGreaterThan(20);
    expect(text).toContain("lastHit");
    for (const address of [
      "203.0.113.7",
      "198.51.100.1",
      "198.51.100.2",
      "192.0.2.1",
      "10.0.1.244",
      "127.0.0.1",
    ]) {
      expect(text).not.toContain(address);
    }
    expect(text).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
  });
});
