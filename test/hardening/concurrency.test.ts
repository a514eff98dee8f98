import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEvergate, type TestEvergate } from "../support/harness.ts";
import { buildWorld, createLink, runs, send, type World } from "./fixtures.ts";

/**
 * Races the API must win: a download limit under a crowd, edits of one product at once, and a
 * buyer clicking "buy" many times. Every request goes over real HTTP to the real stand-ins.
 */

let evergate: TestEvergate;
let world: World;

beforeAll(async () => {
  evergate = await startTestEvergate();
  world = await buildWorld(evergate);
});
afterAll(() => evergate?.stop());

const tally = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((counts, status) => {
    counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }, {});

describe("/l/{token} with maxDownloads under a crowd of distinct clients", () => {
  it.each([1, 7, 50])("maxDownloads=%i, 200 concurrent asks → exactly that many redirects", async (limit) => {
    const hits = 200;
    for (let round = 0; round < runs(1, 5); round++) {
      const link = await createLink(evergate, world.owner, {
        productId: world.product.id,
        maxDownloads: limit,
      });
      const statuses = await Promise.all(
        Array.from({ length: hits }, (_, n) =>
          send(evergate, "POST", `/l/${link.token}`, { headers: { "user-agent": `crowd/${n}` } }).then(
            (a) => a.status,
          ),
        ),
      );
      expect(tally(statuses)).toEqual(limit === hits ? { 303: hits } : { 303: limit, 410: hits - limit });
      const stored = await json<{ downloadCount: number; status: string }>(
        await evergate.request("GET", `/api/links/${link.id}`, { token: world.owner.token }),
      );
      expect(stored).toMatchObject({ downloadCount: limit, status: "exhausted" });
    }
  });

  it("GETs racing the confirms never spend the limit; the POSTs share it", async () => {
    const link = await createLink(evergate, world.owner, { productId: world.product.id, maxDownloads: 10 });
    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        send(evergate, i % 2 ? "POST" : "GET", `/l/${link.token}`, {
          headers: { "user-agent": `racer/${i}` },
        }).then((a) => a.status),
      ),
    );
    expect(statuses.filter((s) => s === 303)).toHaveLength(10);
    expect(statuses.filter((s) => s === 302)).toHaveLength(0);
    // A GET sees either the limit (409: ask with a POST) or, once used up, the 410.
    expect(statuses.filter((s) => s === 410 || s === 409)).toHaveLength(90);
  });

  it("one client hitting 50 times at once counts once and gets the file every time", async () => {
    const link = await createLink(evergate, world.owner, { productId: world.product.id, maxDownloads: 3 });
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () => send(evergate, "POST", `/l/${link.token}`).then((a) => a.status)),
    );
    expect(tally(statuses)).toEqual({ 303: 50 });
    const stored = await json<{ downloadCount: number }>(
      await evergate.request("GET", `/api/links/${link.id}`, { token: world.owner.token }),
    );
    expect(stored.downloadCount).toBe(1);
  });
});

describe("PATCH /api/products/{id} at the same time", () => {
  it("20 edits with the same version → exactly one 200, the rest 409, and the winner's edit is kept", async () => {
    const product = await evergate.createProduct(world.author, { title: "Race" });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(evergate, "PATCH", `/api/products/${product.id}`, {
          token: world.author.token,
          body: JSON.stringify({ title: `Edit ${i}`, version: product.version }),
          contentType: "application/json",
        }),
      ),
    );
    expect(tally(answers.map((a) => a.status))).toEqual({ 200: 1, 409: 19 });
    const winner = JSON.parse(answers.find((a) => a.status === 200)?.body ?? "{}") as { title: string };
    const stored = await json<{ title: string; version: number }>(
      await evergate.request("GET", `/api/products/${product.id}`),
    );
    expect(stored).toMatchObject({ title: winner.title, version: product.version + 1 });
  });

  it("20 edits without a version: every 200 is a new version, none is lost, the last one wins", async () => {
    const product = await evergate.createProduct(world.author, { title: "Race 2" });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(evergate, "PATCH", `/api/products/${product.id}`, {
          token: world.author.token,
          body: JSON.stringify({ description: `Edit ${i}` }),
          contentType: "application/json",
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const accepted = answers
      .filter((a) => a.status === 200)
      .map((a) => JSON.parse(a.body) as { description: string; version: number });
    expect(accepted.length).toBeGreaterThan(0);
    // Each accepted edit got its own version: no two writes were based on the same read
    expect(new Set(accepted.map((a) => a.version)).size).toBe(accepted.length);
    const stored = await json<{ description: string; version: number }>(
      await evergate.request("GET", `/api/products/${product.id}`),
    );
    expect(stored.version).toBe(product.version + accepted.length);
    const last = accepted.reduce((a, b) => (a.version > b.version ? a : b));
    expect(stored.description).toBe(last.description);
  });
});

describe("POST /api/products/{id}/orders clicked many times", () => {
  it("20 concurrent buys by one user → one order, listed once for buyer and seller", async () => {
    const product = await evergate.createProduct(world.author, { title: "Double buy" });
    const buyer = await evergate.newUser("impatient");
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        send(evergate, "POST", `/api/products/${product.id}/orders`, { token: buyer.token }),
      ),
    );
    const statuses = tally(answers.map((a) => a.status));
    expect(statuses[201]).toBe(1);
    expect(statuses[200]).toBe(19);
    const ids = new Set(answers.map((a) => (JSON.parse(a.body) as { id: string }).id));
    expect(ids.size).toBe(1);
    const orders = await json<{ items: Array<{ productId: string }> }>(
      await evergate.request("GET", "/api/me/orders?limit=100", { token: buyer.token }),
    );
    expect(orders.items.filter((o) => o.productId === product.id)).toHaveLength(1);
    const sales = await json<{ items: Array<{ productId: string }> }>(
      await evergate.request("GET", "/api/me/sales?limit=100", { token: world.author.token }),
    );
    expect(sales.items.filter((o) => o.productId === product.id)).toHaveLength(1);
  });
});
