import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "#src/app-deps.ts";
import type { AccessEvent } from "#src/domain/access-event.ts";
import { answerLink, type LinkMethod } from "#src/gateway/answer.ts";
import { createHotLinks, type HotLinks } from "#src/gateway/hot-links.ts";
import { createLambdaHandler } from "#src/lambda/handler.ts";
import type { LinkStore } from "#src/storage/ports.ts";
import { functionUrlEvent } from "../lambda/function-url-event.ts";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";

/**
 * Hot links (ADR 024) against the embedded DynamoDB: several in-process "instances" (each its own
 * copy of the links and its own batches, as Lambda instances are) share one table.
 */
const CACHE_MS = 2000;
const FLUSH_MS = 1000;

let evergate: TestEvergate;
let user: TestUser;
let product: TestProduct;

beforeAll(async () => {
  evergate = await startTestEvergate({
    configOverrides: {
      HOT_LINK_CACHE_MS: String(CACHE_MS),
      HOT_LINK_FLUSH_MS: String(FLUSH_MS),
      // The embedded DynamoDB shares 2 busy cores with the hammering instances.
      AWS_TIMEOUT_MS: "10000",
    },
  });
  user = await evergate.newUser("hot");
  product = await evergate.createProduct(user, { filename: "hot.bin" });
}, 120_000);
afterAll(() => evergate?.stop());

async function createLink(body: Record<string, unknown> = {}) {
  const response = await evergate.request("POST", "/api/links", {
    token: user.token,
    json: { productId: product.id, ...body },
  });
  expect(response.status).toBe(201);
  return json<{ id: string; token: string }>(response);
}

/** Counts the link store's calls an instance makes, by method. */
function countingLinks(links: LinkStore) {
  const calls = { get: 0, hit: 0, flushHits: 0, recordRefusal: 0 };
  const store: LinkStore = {
    ...links,
    get(id) {
      calls.get++;
      return links.get(id);
    },
    hit(id, hit) {
      calls.hit++;
      return links.hit(id, hit);
    },
    flushHits(id, flush) {
      calls.flushHits++;
      return links.flushHits(id, flush);
    },
    recordRefusal(id, hit) {
      calls.recordRefusal++;
      return links.recordRefusal(id, hit);
    },
  };
  return { store, calls };
}

interface Instance {
  deps: AppDeps;
  hot: HotLinks;
  calls: ReturnType<typeof countingLinks>["calls"];
}

function instances(count: number, wrap: (links: LinkStore) => LinkStore = (links) => links): Instance[] {
  return Array.from({ length: count }, () => {
    const { store, calls } = countingLinks(wrap(evergate.deps.stores.links));
    const hot = createHotLinks(
      store,
      { cacheMs: CACHE_MS, flushMs: FLUSH_MS },
      () => new Date(),
      evergate.deps.logger,
    );
    const deps: AppDeps = {
      ...evergate.deps,
      stores: { ...evergate.deps.stores, links: store },
      hotLinks: hot,
    };
    return { deps, hot, calls };
  });
}

let requestNumber = 0;
/** One hit through the gateway's answer, from a client of its own (each counts: no grace shared). */
function hit(instance: Instance, token: string, method: LinkMethod = "GET", client = requestNumber++) {
  const headers: Record<string, string> = { "user-agent": "curl/8.5.0", accept: "*/*" };
  return answerLink(instance.deps, {
    method,
    token,
    requestId: `hot-${client}`,
    clientAddress: `10.${(client >> 16) & 255}.${(client >> 8) & 255}.${client & 255}`,
    header: (name) => headers[name],
  });
}

const downloadCountOf = async (id: string) => (await evergate.deps.stores.links.get(id))?.downloadCount;

/** Hits from every instance, one after another each, until `stop()`; the times each 302 was decided. */
async function hammer(all: Instance[], token: string, stop: () => boolean) {
  const served: number[] = [];
  const refused: number[] = [];
  await Promise.all(
    all.map(async (instance) => {
      while (!stop()) {
        const decidedAt = Date.now();
        const answer = await hit(instance, token);
        (answer.status === 302 ? served : refused).push(decidedAt);
        if (answer.status !== 302 && answer.status !== 410) throw new Error(`answered ${answer.status}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  return { served, refused };
}

describe("hot links: served from each instance's copy, counted in batches", () => {
  it("a revocation stops every instance within the copy's lifetime, and every served hit is counted once", async () => {
    const link = await createLink();
    const all = instances(6);
    const startedAt = Date.now();
    const stopAt = startedAt + 1500 + CACHE_MS + 1500;
    const hammering = hammer(all, link.token, () => Date.now() > stopAt);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const revokeSentAt = Date.now();
    const revoke = await evergate.request("DELETE", `/api/links/${link.id}`, { token: user.token });
    expect(revoke.status).toBe(200);
    // The revocation is written (durable, visible to a consistent read) by the time it answers.
    const revokedAt = Date.now();
    const { served, refused } = await hammering;
    const lastServed = Math.max(...served);
    const afterRevoke = lastServed - revokedAt;
    console.info(
      `revocation: ${served.length} served, ${refused.length} refused over ${all.length} instances; last 302 decided ${afterRevoke} ms after the revoke answered (${lastServed - revokeSentAt} ms after it was sent, which took ${revokedAt - revokeSentAt} ms)`,
    );
    expect(served.length).toBeGreaterThan(all.length);
    expect(refused.length).toBeGreaterThan(0);
    // The bound: the copy's lifetime (plus the revoke's own round trip); the goal is 5 s.
    expect(afterRevoke).toBeLessThanOrEqual(CACHE_MS);
    // Each served hit is counted once the instances have flushed, and none twice.
    await Promise.all(all.map((instance) => instance.hot.flushAll()));
    expect(await downloadCountOf(link.id)).toBe(served.length);
    // No write per hit: one ADD per instance per interval at most (plus the first, due at once).
    const flushes = all.reduce((total, instance) => total + instance.calls.flushHits, 0);
    const seconds = (stopAt - startedAt) / 1000;
    expect(flushes).toBeLessThanOrEqual(all.length * (seconds / (FLUSH_MS / 1000) + 2));
    expect(all.every((instance) => instance.calls.hit === 0)).toBe(true);
  }, 30_000);

  it("an expiry stops every instance at the expiry itself: the copy carries it, checked on each hit", async () => {
    const expiresAt = new Date(Date.now() + 2500);
    const link = await createLink({ expiresAt: expiresAt.toISOString() });
    const all = instances(4);
    const { served, refused } = await hammer(all, link.token, () => Date.now() > expiresAt.getTime() + 1500);
    console.info(`expiry: ${served.length} served, ${refused.length} refused`);
    expect(served.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(Math.max(...served)).toBeLessThan(expiresAt.getTime());
  }, 30_000);

  it("a cold instance reads once (no write per hit); the copy is read again only when it is older than its lifetime", async () => {
    const link = await createLink();
    const [instance] = instances(1) as [Instance];
    for (let i = 0; i < 200; i++) expect((await hit(instance, link.token)).status).toBe(302);
    expect(instance.calls).toMatchObject({ get: 1, hit: 0 });
    // The first download is flushed at once (nothing was due before it); the rest wait their turn.
    expect(instance.calls.flushHits).toBeLessThanOrEqual(2);
    await instance.hot.flushAll();
    expect(await downloadCountOf(link.id)).toBe(200);
  });

  it("a flush whose answer is lost is retried with its number and counted once", async () => {
    const link = await createLink();
    let lose = 2;
    const [instance] = instances(1, (links) => ({
      ...links,
      async flushHits(id, flush) {
        const result = await links.flushHits(id, flush);
        // Applied in DynamoDB, but the instance never hears so (a timeout after the write).
        if (lose-- > 0) throw new Error("socket hang up");
        return result;
      },
    })) as [Instance];
    for (let i = 0; i < 50; i++) expect((await hit(instance, link.token)).status).toBe(302);
    await instance.hot.flushAll(); // lost
    expect(instance.hot.pending()).toBeGreaterThan(0);
    await instance.hot.flushAll(); // lost again, same number
    await instance.hot.flushAll(); // refused as a duplicate: done
    expect(instance.hot.pending()).toBe(0);
    expect(await downloadCountOf(link.id)).toBe(50);
  });

  it("limited links are untouched: exactly k downloads under 200 concurrent POSTs over 5 instances, one conditional write per hit", async () => {
    const k = 25;
    const link = await createLink({ maxDownloads: k });
    const all = instances(5);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => hit(all[i % all.length] as Instance, link.token, "POST")),
    );
    expect(answers.filter((answer) => answer.status === 303)).toHaveLength(k);
    expect(answers.filter((answer) => answer.status === 410)).toHaveLength(200 - k);
    expect(await downloadCountOf(link.id)).toBe(k);
    expect(all.reduce((total, instance) => total + instance.calls.hit, 0)).toBe(200);
    expect(all.reduce((total, instance) => total + instance.calls.flushHits, 0)).toBe(0);
  }, 60_000);

  it("a flush is one download event that says how many, and the stats count them all", async () => {
    const link = await createLink();
    const [first, second] = instances(2) as [Instance, Instance];
    for (let i = 0; i < 30; i++) expect((await hit(i % 2 ? first : second, link.token)).status).toBe(302);
    await Promise.all([first.hot.flushAll(), second.hot.flushAll()]);
    const startedAt = Date.now();
    let downloads: AccessEvent[] = [];
    while (Date.now() - startedAt < 5000) {
      const { items } = await evergate.deps.stores.events.listByLink(link.id, { limit: 100 });
      downloads = items.filter((event) => event.kind === "download");
      if (downloads.reduce((total, event) => total + (event.count ?? 1), 0) >= 30) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(downloads.reduce((total, event) => total + (event.count ?? 1), 0)).toBe(30);
    expect(downloads.length).toBeLessThanOrEqual(4);
    expect(downloads.some((event) => (event.count ?? 1) > 1)).toBe(true);
    const stats = await evergate.request("GET", `/api/links/${link.id}/stats`, { token: user.token });
    expect(stats.status).toBe(200);
    expect((await json<{ downloads: number }>(stats)).downloads).toBe(30);
  });

  it("the Lambda path and npm start's HTTP server give the same answer for a hot link, before and after its revocation", async () => {
    const link = await createLink();
    const lambda = createLambdaHandler({
      ...evergate.deps,
      hotLinks: createHotLinks(
        evergate.deps.stores.links,
        { cacheMs: CACHE_MS, flushMs: FLUSH_MS },
        () => new Date(),
        evergate.deps.logger,
      ),
    });
    const context = { getRemainingTimeInMillis: () => 10_000 } as Parameters<typeof lambda>[1];
    const viaLambda = (await lambda(
      functionUrlEvent("GET", `/l/${link.token}`) as Parameters<typeof lambda>[0],
      context,
    )) as {
      statusCode: number;
      headers: Record<string, string>;
    };
    const overHttp = await evergate.request("GET", `/l/${link.token}`);
    const where = (location: string | null | undefined) => (location ? new URL(location).pathname : null);
    expect(viaLambda.statusCode).toBe(overHttp.status);
    expect(viaLambda.headers["cache-control"]).toBe(overHttp.headers.get("cache-control"));
    expect(where(viaLambda.headers.location)).toBe(where(overHttp.headers.get("location")));
    await evergate.request("DELETE", `/api/links/${link.id}`, { token: user.token });
    await new Promise((resolve) => setTimeout(resolve, CACHE_MS + 50));
    const lambdaAfter = (await lambda(
      functionUrlEvent("GET", `/l/${link.token}`) as Parameters<typeof lambda>[0],
      context,
    )) as {
      statusCode: number;
    };
    expect(lambdaAfter.statusCode).toBe(410);
    expect((await evergate.request("GET", `/l/${link.token}`)).status).toBe(410);
  });

  it("the instance a link is revoked, rotated or changed through answers the change at once, not a copy's lifetime later", async () => {
    const hitOver = (token: string) =>
      evergate.request("GET", `/l/${token}`, { headers: { "user-agent": "curl/8.5.0" } });
    // Revoked: the copy this instance just served from is dropped with the write.
    const revoked = await createLink();
    expect((await hitOver(revoked.token)).status).toBe(302);
    expect((await evergate.request("DELETE", `/api/links/${revoked.id}`, { token: user.token })).status).toBe(
      200,
    );
    expect((await hitOver(revoked.token)).status).toBe(410);
    // Rotated: the old token stops here at once.
    const rotated = await createLink();
    expect((await hitOver(rotated.token)).status).toBe(302);
    const rotate = await evergate.request("POST", `/api/links/${rotated.id}/rotate`, { token: user.token });
    expect(rotate.status).toBe(201);
    expect((await hitOver(rotated.token)).status).toBe(410);
    // Changed to a limited link: the next hit is the exact conditional write, counted on the item.
    const limited = await createLink({ graceSeconds: 0 });
    expect((await hitOver(limited.token)).status).toBe(302);
    await expect.poll(() => downloadCountOf(limited.id), { timeout: FLUSH_MS * 5 }).toBe(1);
    const patch = await evergate.request("PATCH", `/api/links/${limited.id}`, {
      token: user.token,
      json: { maxDownloads: 2 },
    });
    expect(patch.status).toBe(200);
    const spend = () =>
      evergate.request("POST", `/l/${limited.token}`, { headers: { "user-agent": "curl/8.5.0" } });
    expect((await spend()).status).toBe(303);
    expect((await spend()).status).toBe(410);
  });

  it("the instance that served a hot link's downloads shows them to its owner at once, on the link and in the list", async () => {
    const link = await createLink({ graceSeconds: 0, label: "counted at once" });
    for (let i = 0; i < 5; i++) {
      const answer = await evergate.request("GET", `/l/${link.token}`, {
        headers: { "user-agent": "curl/8.5.0" },
      });
      expect(answer.status).toBe(302);
    }
    const one = await evergate.request("GET", `/api/links/${link.id}`, { token: user.token });
    expect((await json<{ downloadCount: number }>(one)).downloadCount).toBe(5);
    for (let i = 0; i < 3; i++)
      await evergate.request("GET", `/l/${link.token}`, { headers: { "user-agent": "curl/8.5.0" } });
    const list = await evergate.request("GET", "/api/links?limit=100", { token: user.token });
    const listed = (await json<{ items: { id: string; downloadCount: number }[] }>(list)).items;
    expect(listed.find((item) => item.id === link.id)?.downloadCount).toBe(8);
  });
});
