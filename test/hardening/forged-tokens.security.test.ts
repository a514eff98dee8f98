import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "#src/app.ts";
import type { ApiKey } from "#src/domain/api-key.ts";
import { mintLegacyToken, mintToken, newTokenKeyEntry, parseTokenKeys } from "#src/domain/token.ts";
import { legacyTokenList } from "#src/services/token-check.ts";
import { startTestEvergate, type TestEvergate, type TestProduct, type TestUser } from "../support/harness.ts";

/**
 * Forged tokens cost nothing (ADR 015): a token tagged with a key the server does not have, and
 * a token in the old CRC-32 format that was never issued, are refused before any DynamoDB call,
 * like a malformed one. Links and API keys issued before the keyed tags keep working.
 */

let evergate: TestEvergate;
let user: TestUser;
let product: TestProduct;
let linkId: string;

beforeAll(async () => {
  evergate = await startTestEvergate();
  user = await evergate.newUser("forged");
  product = await evergate.createProduct(user);
  const created = await evergate.request("POST", "/api/links", {
    token: user.token,
    json: { productId: product.id },
  });
  expect(created.status).toBe(201);
  ({ id: linkId } = (await created.json()) as { id: string });
}, 60_000);
afterAll(() => evergate?.stop());

/** Every DynamoDB item read or write (the sweeper's background Query aside). */
const lookups = () =>
  ["GetItem", "UpdateItem", "PutItem", "DeleteItem", "BatchGetItem", "TransactWriteItems"].reduce(
    (sum, operation) => sum + evergate.stack.dynamoRequestCount(operation),
    0,
  );

/** Sends each request, 100 at a time; answers the statuses and the seconds taken. */
async function sendAll(app: ReturnType<typeof createApp>, requests: Array<[string, RequestInit?]>) {
  const statuses: number[] = [];
  const started = performance.now();
  for (let i = 0; i < requests.length; i += 100) {
    const batch = await Promise.all(
      requests.slice(i, i + 100).map(async ([path, init]) => {
        const response = await app.request(path, init);
        await response.arrayBuffer();
        return response.status;
      }),
    );
    statuses.push(...batch);
  }
  return { statuses, seconds: (performance.now() - started) / 1000 };
}

/** A link issued before keyed tags: the old format, stored the way the old code stored it. */
async function legacyLink() {
  const legacy = mintLegacyToken("link");
  const issued = await evergate.deps.stores.links.get(linkId);
  if (!issued) throw new Error("the fixture link is missing");
  await evergate.deps.stores.links.put(
    {
      ...issued,
      id: legacy.hash,
      tokenHint: legacy.hint,
      downloadCount: 0,
    },
    1_000,
  );
  return legacy.token;
}

async function legacyApiKey() {
  const legacy = mintLegacyToken("apiKey");
  const key: ApiKey = {
    id: legacy.hash,
    ownerId: user.userId,
    ownerName: user.username,
    name: "from before keyed tags",
    scopes: ["links:read"],
    keyHint: legacy.hint,
    createdAt: new Date().toISOString(),
  };
  await evergate.deps.stores.apiKeys.put(key);
  return legacy.token;
}

/** An app whose legacy list is loaded afresh (the migration just ran), as a new instance would. */
const freshInstance = () =>
  createApp({
    ...evergate.deps,
    legacyTokens: legacyTokenList(evergate.deps.stores.legacyTokens, evergate.deps.logger),
  });

describe("forged keyed tokens", () => {
  it("3,000 links tagged with a key the server lacks (under its key id): 404 like malformed, zero DynamoDB calls", async () => {
    const app = createApp(evergate.deps);
    const keyId = evergate.config.TOKEN_KEYS.mintingKeyId;
    const forger = parseTokenKeys(newTokenKeyEntry(keyId));
    const forged = Array.from({ length: 3_000 }, () => mintToken("link", forger).token);
    const malformed = Array.from({ length: 3_000 }, (_, i) => `evg_${String(i).padStart(34, "x")}`);
    const before = lookups();
    const forgedRun = await sendAll(
      app,
      forged.map((token) => [`/l/${token}`]),
    );
    expect(lookups() - before).toBe(0);
    const malformedRun = await sendAll(
      app,
      malformed.map((token) => [`/l/${token}`]),
    );
    expect(new Set([...forgedRun.statuses, ...malformedRun.statuses])).toEqual(new Set([404]));
    console.info(
      `3,000 forged link tokens: ${forgedRun.seconds.toFixed(2)} s, ${lookups() - before} DynamoDB calls; ` +
        `3,000 malformed: ${malformedRun.seconds.toFixed(2)} s`,
    );
    // A genuine but never-issued token still costs its lookup (the tag is right; the table decides)
    const unissued = mintToken("link", evergate.config.TOKEN_KEYS).token;
    expect((await app.request(`/l/${unissued}`)).status).toBe(404);
    expect(lookups() - before).toBe(2);
  });

  it("3,000 forged API keys: 401, zero DynamoDB calls", async () => {
    const app = createApp(evergate.deps);
    const forger = parseTokenKeys(newTokenKeyEntry(evergate.config.TOKEN_KEYS.mintingKeyId));
    const before = lookups();
    const { statuses } = await sendAll(
      app,
      Array.from({ length: 3_000 }, () => [
        "/api/links",
        { headers: { authorization: `Bearer ${mintToken("apiKey", forger).token}` } },
      ]),
    );
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(lookups() - before).toBe(0);
  });
});

describe("tokens issued before keyed tags (legacy CRC-32 format)", () => {
  it("a legacy link still redirects and a legacy API key still works, once the migration listed them", async () => {
    const token = await legacyLink();
    const key = await legacyApiKey();
    expect(await evergate.deps.stores.legacyTokens.rebuild()).toBeGreaterThanOrEqual(3);
    const app = freshInstance();
    expect((await app.request(`/l/${token}`)).status).toBe(302);
    const listed = await app.request("/api/links", { headers: { authorization: `Bearer ${key}` } });
    expect(listed.status).toBe(200);
  });

  it("3,000 forged legacy tokens (valid CRC, never issued): 404 / 401, zero DynamoDB calls", async () => {
    const token = await legacyLink();
    await evergate.deps.stores.legacyTokens.rebuild();
    const app = freshInstance();
    expect((await app.request(`/l/${token}`)).status).toBe(302); // loads the list: one Query
    const before = lookups();
    const queriesBefore = evergate.stack.dynamoRequestCount("Query");
    const links = await sendAll(
      app,
      Array.from({ length: 3_000 }, () => [`/l/${mintLegacyToken("link").token}`]),
    );
    const keys = await sendAll(
      app,
      Array.from({ length: 1_000 }, () => [
        "/api/links",
        { headers: { authorization: `Bearer ${mintLegacyToken("apiKey").token}` } },
      ]),
    );
    expect(new Set(links.statuses)).toEqual(new Set([404]));
    expect(new Set(keys.statuses)).toEqual(new Set([401]));
    expect(lookups() - before).toBe(0);
    // The list is loaded once per instance, not per token (the sweeper may query once meanwhile)
    expect(evergate.stack.dynamoRequestCount("Query") - queriesBefore).toBeLessThanOrEqual(1);
    console.info(`3,000 forged legacy link tokens: ${links.seconds.toFixed(2)} s, 0 DynamoDB calls`);
  });

  it("before the migration ran (no list): legacy tokens still work, each at the cost of its lookup", async () => {
    const token = await legacyLink();
    const store = evergate.deps.stores.legacyTokens;
    const app = createApp({
      ...evergate.deps,
      legacyTokens: legacyTokenList({ load: async () => null, rebuild: store.rebuild }, evergate.deps.logger),
    });
    expect((await app.request(`/l/${token}`)).status).toBe(302);
    // The download's access event is written off the request path (the change stream's consumer):
    // wait until the table is quiet, or its write would be counted as the forged token's.
    for (let last = -1; last !== lookups(); ) {
      last = lookups();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const before = lookups();
    expect((await app.request(`/l/${mintLegacyToken("link").token}`)).status).toBe(404);
    expect(lookups() - before).toBe(1);
  });

  it("LEGACY_TOKENS=refuse ends them: a listed legacy link is refused at no cost", async () => {
    const token = await legacyLink();
    await evergate.deps.stores.legacyTokens.rebuild();
    const app = createApp({ ...evergate.deps, config: { ...evergate.config, LEGACY_TOKENS: "refuse" } });
    const before = lookups();
    expect((await app.request(`/l/${token}`)).status).toBe(404);
    expect(lookups() - before).toBe(0);
  });
});
