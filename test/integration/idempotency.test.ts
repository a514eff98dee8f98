import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

beforeAll(async () => {
  // dynalite serialises writes to one item slowly (50 conditional puts on one key ≈ 3 s on this
  // shared machine, where DynamoDB takes milliseconds): the default 2 s SDK timeout would turn the
  // stand-in's queue into 503s that AWS would not give.
  evergate = await startTestEvergate({
    configOverrides: { AWS_TIMEOUT_MS: "20000", IDEMPOTENCY_WAIT_MS: "25000" },
  });
  seller = await evergate.newUser("idem");
  product = await evergate.createProduct(seller);
});
afterAll(() => evergate?.stop());

const createLink = (token: string, key: string | undefined, body: Record<string, unknown>) =>
  evergate.request("POST", "/api/links", {
    token,
    json: body,
    headers: key === undefined ? {} : { "Idempotency-Key": key },
  });

async function linkCount(token: string, label: string) {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await json<{ items: Array<{ label?: string }>; nextCursor?: string }>(
      await evergate.request("GET", `/api/links?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token }),
    );
    count += page.items.filter((link) => link.label === label).length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}

describe("Idempotency-Key on POST /api/links", () => {
  it("50 retries racing each other with one key: exactly one link, 50 identical answers", async () => {
    // Prepare
    const body = { productId: product.id, label: "raced" };
    // Act
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => createLink(seller.token, "race-1", body)),
    );
    // Assess
    const answers = await Promise.all(
      responses.map(async (response) => ({
        status: response.status,
        body: await response.text(),
        replayed: response.headers.get("idempotent-replayed"),
      })),
    );
    console.log(
      answers.filter((a) => a.status !== 201).slice(0, 2),
      answers.filter((a) => a.status !== 201).length,
    );
    expect(new Set(answers.map((answer) => answer.status))).toStrictEqual(new Set([201]));
    expect(new Set(answers.map((answer) => answer.body)).size).toBe(1);
    expect(answers.filter((answer) => answer.replayed === null)).toHaveLength(1);
    expect(answers.filter((answer) => answer.replayed === "true")).toHaveLength(49);
    expect(await linkCount(seller.token, "raced")).toBe(1);
  });

  it("120 requests over 60 keys, each key sent twice at once: 60 links, each pair one answer", async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `many-${i}`);
    const responses = await Promise.all(
      keys.flatMap((key) =>
        [0, 1].map(() => createLink(seller.token, key, { productId: product.id, label: "many" })),
      ),
    );
    const bodies = await Promise.all(responses.map((response) => response.json() as Promise<{ id: string }>));
    expect(responses.every((response) => response.status === 201)).toBe(true);
    for (let i = 0; i < keys.length; i++) expect(bodies[2 * i]).toStrictEqual(bodies[2 * i + 1]);
    expect(new Set(bodies.map((body) => body.id)).size).toBe(60);
    expect(await linkCount(seller.token, "many")).toBe(60);
  }, 120_000);

  it("the same key with another body is a 422 problem; with the first body it still replays", async () => {
    const first = await createLink(seller.token, '"quoted-key"', { productId: product.id, label: "first" });
    expect(first.status).toBe(201);
    const other = await createLink(seller.token, "quoted-key", { productId: product.id, label: "second" });
    expect(other.status).toBe(422);
    expect(other.headers.get("content-type")).toBe("application/problem+json");
    expect(await json(other)).toMatchObject({ code: "idempotency_key_reused", status: 422 });
    const otherPath = await evergate.request("POST", `/api/links/${"A".repeat(43)}/rotate`, {
      token: seller.token,
      headers: { "Idempotency-Key": "quoted-key" },
    });
    expect(otherPath.status).toBe(422);
    const again = await createLink(seller.token, "quoted-key", { productId: product.id, label: "first" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toStrictEqual(await first.json());
    expect(await linkCount(seller.token, "second")).toBe(0);
  });

  it("is scoped per caller: another user, and the owner's API key, never get this caller's answer", async () => {
    const body = { productId: product.id, label: "scoped" };
    const mine = await json<{ id: string; token: string }>(
      await createLink(seller.token, "shared-key", body),
    );
    const keyResponse = await evergate.request("POST", "/api/keys", {
      token: seller.token,
      json: { name: "svc", scopes: ["links:write", "links:read"] },
    });
    const { key } = await json<{ key: string }>(keyResponse);
    const viaKey = await createLink(key, "shared-key", body);
    expect(viaKey.status).toBe(201);
    expect(viaKey.headers.get("idempotent-replayed")).toBeNull();
    expect((await json<{ id: string }>(viaKey)).id).not.toBe(mine.id);
    const stranger = await evergate.newUser("stranger");
    const theirs = await createLink(stranger.token, "shared-key", body);
    // The stranger cannot link this product: their own answer (404), not the seller's 201 and token.
    expect(theirs.status).toBe(404);
    expect(await theirs.text()).not.toContain(mine.token);
  });

  it("keeps 4xx answers (a retry gets the same 404), refuses unusable keys, and needs no key", async () => {
    const missing = { productId: "0000000000000000" };
    const first = await createLink(seller.token, "missing-product", missing);
    expect(first.status).toBe(404);
    const retry = await createLink(seller.token, "missing-product", missing);
    expect(retry.status).toBe(404);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("content-type")).toBe("application/problem+json");
    for (const bad of ["", "has space", "x".repeat(256), "é"]) {
      const response = await createLink(seller.token, bad, missing);
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect(await json(response)).toMatchObject({ code: "invalid_request" });
    }
    expect((await createLink(seller.token, undefined, { productId: product.id })).status).toBe(201);
    expect((await createLink(seller.token, undefined, { productId: product.id })).status).toBe(201);
  });
});
