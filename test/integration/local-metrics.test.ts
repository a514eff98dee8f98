import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEvergate, type TestEvergate } from "../support/harness.ts";

/** Locally the same numbers as the AWS alarms (ADR 020): counted from the app's own access log. */
let evergate: TestEvergate;
beforeAll(async () => {
  evergate = await startTestEvergate();
});
afterAll(() => evergate?.stop());

describe("local metrics from the access log", () => {
  it("counts requests, 4xx, 5xx and /l/ latency of real HTTP requests", async () => {
    evergate.accessMetrics.takeSummary(); // start a clean window
    for (let i = 0; i < 200; i++) {
      expect((await evergate.request("GET", `/l/evg_not-a-token-${i}`)).status).toBe(404);
    }
    for (let i = 0; i < 20; i++) expect((await evergate.request("GET", "/api/health")).status).toBe(200);
    const summary = evergate.accessMetrics.takeSummary();
    expect(summary).toMatchObject({ requests: 220, clientErrors: 200, serverErrors: 0, linkRequests: 200 });
    expect(summary.linkP50Ms).toBeGreaterThanOrEqual(0);
    expect(summary.linkP99Ms).toBeGreaterThanOrEqual(summary.linkP50Ms ?? 0);
  });
});
