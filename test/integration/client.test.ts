import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvergateClient, EvergateError, unwrap } from "../../clients/typescript/src/index.ts";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";

let evergate: TestEvergate;
let seller: TestUser;
let product: TestProduct;
let apiKey: string;

beforeAll(async () => {
  // Rate limits on, as deployed: link creation is the "expensive" class (30 a minute per key)
  evergate = await startTestEvergate({ configOverrides: { RATE_LIMITS_ENABLED: "true" } });
  seller = await evergate.newUser("client");
  product = await evergate.createProduct(seller, { title: "Client's product" });
  const created = await evergate.request("POST", "/api/keys", {
    token: seller.token,
    json: { name: "client", scopes: ["links:read", "links:write"] },
  });
  apiKey = (await json<{ key: string }>(created)).key;
});
afterAll(() => evergate?.stop());

/** The client over a fetch that records each attempt's status and time. */
function recordedClient() {
  const attempts: Array<{ status: number; at: number; retryAfter: string | null; key: string | null }> = [];
  const client = createEvergateClient({
    baseUrl: `http://127.0.0.1:${evergate.port}`,
    apiKey,
    fetch: async (request) => {
      const response = await fetch(request);
      attempts.push({
        status: response.status,
        at: Date.now(),
        retryAfter: response.headers.get("retry-after"),
        key: request.headers.get("idempotency-key"),
      });
      return response;
    },
  });
  return { client, attempts };
}

describe("the typed client against a local stack", () => {
  it("rides out the rate limit: each 429 waits its Retry-After, then the same call (same key) succeeds", async () => {
    // Prepare
    const limit = evergate.config.RATE_LIMIT_EXPENSIVE_PER_MINUTE;
    const { client, attempts } = recordedClient();

    const refusedSoFar = () => attempts.filter((attempt) => attempt.status === 429).length;

    // Act: create links one after another until the limit has refused three (the bucket refills
    // as they go, so how many that takes depends on the machine's speed)
    const links = [];
    for (let i = 0; refusedSoFar() < 3 && i < limit * 3; i++)
      links.push(
        unwrap(await client.POST("/api/links", { body: { productId: product.id, label: `n${i}` } })),
      );

    // Assess: every call got its link; the refusals were waited out as told
    expect(links.length).toBeGreaterThan(limit);
    expect(new Set(links.map((link) => link.id)).size).toBe(links.length);
    const refused = attempts.flatMap((attempt, index) => (attempt.status === 429 ? [index] : []));
    expect(refused.length).toBe(3);
    for (const index of refused) {
      const [attempt, next] = [attempts[index], attempts[index + 1]];
      if (!attempt || !next) throw new Error("a 429 was the last attempt");
      expect(Number(attempt.retryAfter)).toBeGreaterThan(0);
      expect(next.at - attempt.at).toBeGreaterThanOrEqual(Number(attempt.retryAfter) * 1000 - 50);
      expect(next.key).toBe(attempt.key);
    }
    const page = unwrap(await client.GET("/api/links", { params: { query: { limit: 100 } } }));
    expect(page.items.filter((link) => link.productId === product.id)).toHaveLength(links.length);
  }, 120_000);

  it("a POST whose answer is lost is retried with the same Idempotency-Key and answers the same link, made once", async () => {
    // Prepare: a key of its own (the test above spent the other's rate limit); the connection
    // breaks after the server has made the link (its answer never arrives)
    const created = await evergate.request("POST", "/api/keys", {
      token: seller.token,
      json: { name: "lossy network", scopes: ["links:read", "links:write"] },
    });
    const ownKey = (await json<{ key: string }>(created)).key;
    const lost: Array<{ id: string }> = [];
    const sent: Request[] = [];
    const client = createEvergateClient({
      baseUrl: `http://127.0.0.1:${evergate.port}`,
      apiKey: ownKey,
      fetch: async (request) => {
        sent.push(request.clone());
        const response = await fetch(request);
        if (sent.length === 1) {
          lost.push((await response.json()) as { id: string });
          throw new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
        }
        return response;
      },
    });

    // Act
    const { data, response } = await client.POST("/api/links", {
      body: { productId: product.id, label: "answer lost once", recipient: "grace@example.com" },
    });

    // Assess
    expect(sent).toHaveLength(2);
    expect(sent[1]?.headers.get("idempotency-key")).toBe(sent[0]?.headers.get("idempotency-key"));
    expect(data?.id).toBe(lost[0]?.id);
    expect(response.headers.get("idempotent-replayed")).toBe("true");
    const page = unwrap(await client.GET("/api/links", { params: { query: { limit: 100 } } }));
    expect(page.items.filter((link) => link.label === "answer lost once")).toHaveLength(1);
  });

  it("turns problem+json into EvergateError with the answer's code, status, detail and request id", async () => {
    const { client } = recordedClient();
    const failure = await client
      .GET("/api/links/{id}", { params: { path: { id: "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg" } } })
      .then(unwrap)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EvergateError);
    expect(failure).toMatchObject({
      status: 404,
      code: "not_found",
      detail: expect.stringMatching(/not found/i),
    });
    expect((failure as EvergateError).requestId).toMatch(/^[0-9a-f-]{36}$/);

    const invalid = await client
      .POST("/api/links", { body: { productId: product.id, maxDownloads: 0 } })
      .then(unwrap)
      .catch((error: unknown) => error);
    expect(invalid).toMatchObject({ status: 400, code: "invalid_request" });
    expect((invalid as EvergateError).errors).toEqual([expect.objectContaining({ path: "maxDownloads" })]);
  });
});
