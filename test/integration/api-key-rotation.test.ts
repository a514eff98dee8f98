import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken, mintToken, parseTokenKeys } from "#src/domain/token.ts";
import { json, startTestEvergate, type TestEvergate, type TestUser } from "../support/harness.ts";

/**
 * POST /api/keys/{id}/rotate (issue 17 §2, ADR 030): a new secret for the same key, the replaced
 * one working for a short overlap (2 s here), revocation ending both, and wrong secrets that
 * never reach a key and cost what they cost before rotation existed.
 */
const OVERLAP_SECONDS = 2;
let evergate: TestEvergate;
let owner: TestUser;

beforeAll(async () => {
  evergate = await startTestEvergate({
    configOverrides: { API_KEY_ROTATION_OVERLAP_SECONDS: String(OVERLAP_SECONDS) },
  });
  owner = await evergate.newUser("owner");
});
afterAll(() => evergate?.stop());

type KeyView = {
  id: string;
  key: string;
  name: string;
  scopes: string[];
  keyHint: string;
  expiresAt?: string;
  rotatedAt?: string;
  previousKeyValidUntil?: string;
  lastUsedAt?: string;
  status: string;
};

async function createKey(fields: Record<string, unknown> = {}) {
  const response = await evergate.request("POST", "/api/keys", {
    token: owner.token,
    json: { name: "invoices", scopes: ["links:read", "files:read"], ...fields },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return json<KeyView>(response);
}

const rotate = (id: string, token = owner.token, headers: Record<string, string> = {}) =>
  evergate.request("POST", `/api/keys/${id}/rotate`, { token, headers });

async function rotated(id: string): Promise<KeyView> {
  const response = await rotate(id);
  expect(response.status, await response.clone().text()).toBe(200);
  return json<KeyView>(response);
}

const statusWith = async (secret: string) =>
  (await evergate.request("GET", "/api/me", { token: secret })).status;

async function listed(id: string): Promise<KeyView | undefined> {
  const page = await json<{ items: KeyView[] }>(
    await evergate.request("GET", "/api/keys?limit=100", { token: owner.token }),
  );
  return page.items.find((item) => item.id === id);
}

const until = (iso: string) =>
  new Promise((resolve) => setTimeout(resolve, Date.parse(iso) - Date.now() + 150));

describe("POST /api/keys/{id}/rotate", () => {
  it("gives the same key a new secret; the old one works during the overlap and is a 401 after it", async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await createKey({ expiresAt });
    const before = Date.now();

    const next = await rotated(created.id);

    expect(next).toMatchObject({
      id: created.id,
      name: "invoices",
      scopes: ["links:read", "files:read"],
      expiresAt,
      status: "active",
      keyHint: next.key.slice(-4),
    });
    expect(next.key).toMatch(/^evk_[0-9A-Za-z]{34}$/);
    expect(next.key).not.toBe(created.key);
    expect(Object.keys(next)).not.toContain("secretHash");
    expect(JSON.stringify(next)).not.toContain(hashToken(next.key));
    const validUntil = Date.parse(next.previousKeyValidUntil ?? "");
    expect(validUntil).toBeGreaterThanOrEqual(before + OVERLAP_SECONDS * 1000);
    expect(validUntil).toBeLessThanOrEqual(Date.now() + OVERLAP_SECONDS * 1000);
    expect(await statusWith(next.key)).toBe(200);
    expect(await statusWith(created.key)).toBe(200);
    expect(await listed(created.id)).toMatchObject({
      keyHint: next.key.slice(-4),
      previousKeyValidUntil: next.previousKeyValidUntil,
    });

    await until(next.previousKeyValidUntil ?? "");

    const refused = await evergate.request("GET", "/api/me", { token: created.key });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(refused)).toMatchObject({ code: "unauthorized" });
    expect(await statusWith(next.key)).toBe(200);
    const after = await listed(created.id);
    expect(after).not.toHaveProperty("previousKeyValidUntil");
    expect(after).toMatchObject({ status: "active", rotatedAt: next.rotatedAt });
  });

  it("rotated twice inside the overlap: the first secret ends at once, the second at the overlap's end", async () => {
    const first = await createKey();
    const second = await rotated(first.id);
    const third = await rotated(first.id);
    expect(third.id).toBe(first.id);
    expect(await statusWith(first.key)).toBe(401);
    expect(await statusWith(second.key)).toBe(200);
    expect(await statusWith(third.key)).toBe(200);
    await until(third.previousKeyValidUntil ?? "");
    expect(await statusWith(second.key)).toBe(401);
    expect(await statusWith(third.key)).toBe(200);

    // The replaced secret's pointer carries the TTL: the stand-in's TTL pass deletes it.
    const { stores } = evergate.deps;
    expect(await stores.apiKeys.findBySecret(hashToken(second.key))).not.toBeNull();
    // TTL is in whole seconds (the epoch is rounded up): the pass runs a second past the overlap.
    const past = new Date(Date.parse(third.previousKeyValidUntil ?? "") + 1_000);
    expect(await evergate.stack.expireItems(past)).toBeGreaterThanOrEqual(1);
    expect(await stores.apiKeys.findBySecret(hashToken(second.key))).toBeNull();
    expect((await stores.apiKeys.findBySecret(hashToken(third.key)))?.id).toBe(first.id);
    expect(await statusWith(third.key)).toBe(200);
  });

  it("revoking the key ends both secrets at once, inside the overlap; a revoked key does not rotate (409)", async () => {
    const created = await createKey();
    const next = await rotated(created.id);
    expect(await statusWith(created.key)).toBe(200);
    expect(await statusWith(next.key)).toBe(200);

    const revoked = await evergate.request("DELETE", `/api/keys/${created.id}`, { token: owner.token });
    expect(revoked.status).toBe(200);
    const view = await json(revoked);
    expect(view).toMatchObject({ status: "revoked" });
    expect(view).not.toHaveProperty("previousKeyValidUntil");

    expect(await statusWith(created.key)).toBe(401);
    expect(await statusWith(next.key)).toBe(401);
    const again = await rotate(created.id);
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(again)).toMatchObject({ code: "conflict" });
  });

  it("an expired key does not rotate (409): a new secret would not open it either", async () => {
    const created = await createKey({ expiresAt: new Date(Date.now() + 1_200).toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 1_400));
    const refused = await rotate(created.id);
    expect(refused.status).toBe(409);
    expect(await json(refused)).toMatchObject({ code: "conflict" });
  });

  it("a stranger's rotation of my key is a 404 and changes nothing; a key cannot rotate keys (403); a bad id is a 400", async () => {
    const created = await createKey();
    const stranger = await evergate.newUser("stranger");
    const byStranger = await rotate(created.id, stranger.token);
    expect(byStranger.status).toBe(404);
    expect(byStranger.headers.get("content-type")).toContain("application/problem+json");
    expect(await json(byStranger)).toMatchObject({ code: "not_found" });
    expect(await listed(created.id)).not.toHaveProperty("rotatedAt");
    expect(await statusWith(created.key)).toBe(200);

    const byItself = await rotate(created.id, created.key);
    expect(byItself.status).toBe(403);
    expect((await rotate(created.id.replace(/.$/, (c) => (c === "A" ? "B" : "A")))).status).toBe(404);
    expect((await rotate("not a key id")).status).toBe(400);
    const anonymous = await evergate.request("POST", `/api/keys/${created.id}/rotate`);
    expect(anonymous.status).toBe(401);
    expect(await listed(created.id)).not.toHaveProperty("rotatedAt");
  });

  it("with an Idempotency-Key, a retry replays the same secret and rotates once", async () => {
    const created = await createKey();
    const headers = { "Idempotency-Key": `rotate-${created.id}` };
    const [one, two] = await Promise.all([
      rotate(created.id, owner.token, headers),
      rotate(created.id, owner.token, headers),
    ]);
    expect([one.status, two.status]).toEqual([200, 200]);
    const [a, b] = await Promise.all([json<KeyView>(one), json<KeyView>(two)]);
    expect(b.key).toBe(a.key);
    expect([one.headers.get("idempotent-replayed"), two.headers.get("idempotent-replayed")]).toContain(
      "true",
    );
    // Rotated once: the original secret is still the previous one, so it still works.
    expect(await statusWith(created.key)).toBe(200);
    expect(await statusWith(a.key)).toBe(200);
    const stored = await evergate.deps.stores.apiKeys.get(created.id);
    expect(stored?.previousSecretHash).toBe(created.id);
  });

  it("lastUsedAt follows either secret onto the one key", async () => {
    const created = await createKey();
    expect((await listed(created.id))?.lastUsedAt).toBeUndefined();
    const next = await rotated(created.id);
    expect(await statusWith(next.key)).toBe(200);
    const used = await listed(created.id);
    expect(Date.parse(used?.lastUsedAt ?? "")).toBeGreaterThan(Date.now() - 10_000);
    expect(await listed(hashToken(next.key))).toBeUndefined();
  });
});

describe("wrong secrets against rotated keys", () => {
  it("2,000 wrong secrets never open a key and cost no DynamoDB call; 200 well-tagged unknown ones one GetItem each", async () => {
    // Prepare: a key rotated twice, so its id, a dead secret and two live ones all exist
    const first = await createKey();
    const second = await rotated(first.id);
    const third = await rotated(first.id);
    const live = third.key;
    const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const wrong = new Set<string>([first.id, hashToken(live), `evk_${first.id}`, second.key.slice(0, -1)]);
    // Every one-character change of the live secret (34 places × 61 characters), up to 2,000 in all.
    for (let position = 4; position < live.length && wrong.size < 2_000; position++) {
      for (const replacement of alphabet) {
        const candidate = live.slice(0, position) + replacement + live.slice(position + 1);
        if (candidate !== live && wrong.size < 2_000) wrong.add(candidate);
      }
    }
    expect(wrong.size).toBe(2_000);
    const readsBefore = evergate.stack.dynamoRequestCount();

    // Act
    const statuses = new Map<number, number>();
    const batch = [...wrong];
    for (let start = 0; start < batch.length; start += 50) {
      const answers = await Promise.all(batch.slice(start, start + 50).map(statusWith));
      for (const status of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }

    // Assess: all refused before any table read, as an invalid key was before rotation existed
    expect(Object.fromEntries(statuses)).toEqual({ 401: 2_000 });
    expect(evergate.stack.dynamoRequestCount() - readsBefore).toBe(0);

    // Well-tagged secrets (only the server can make them) that were never issued: one read each,
    // exactly what the lookup by hash cost before there were pointers.
    const ring = parseTokenKeys(evergate.tokenKeys);
    const tagged = Array.from({ length: 200 }, () => mintToken("apiKey", ring).token);
    const getsBefore = evergate.stack.dynamoRequestCount("GetItem");
    const allBefore = evergate.stack.dynamoRequestCount();
    for (let start = 0; start < tagged.length; start += 50) {
      const answers = await Promise.all(tagged.slice(start, start + 50).map(statusWith));
      expect(new Set(answers)).toEqual(new Set([401]));
    }
    expect(evergate.stack.dynamoRequestCount("GetItem") - getsBefore).toBe(200);
    expect(evergate.stack.dynamoRequestCount() - allBefore).toBe(200);
    expect(await statusWith(live)).toBe(200);
  });

  it("a request with the current secret of a rotated key costs two reads; a never-rotated key's one", async () => {
    const plain = await createKey();
    const turned = await createKey();
    const next = await rotated(turned.id);
    // Warm both (lastUsedAt written once a minute at most), then count one request of each.
    expect(await statusWith(plain.key)).toBe(200);
    expect(await statusWith(next.key)).toBe(200);
    const readsOf = async (secret: string) => {
      const before = evergate.stack.dynamoRequestCount("GetItem");
      expect(await statusWith(secret)).toBe(200);
      return evergate.stack.dynamoRequestCount("GetItem") - before;
    };
    expect(await readsOf(plain.key)).toBe(1);
    expect(await readsOf(next.key)).toBe(2);
    expect(await readsOf(turned.key)).toBe(1);
  });
});
