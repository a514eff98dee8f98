import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";
import { floodLinks } from "../support/link-flood.ts";

let evergate: TestEvergate;
let seller: TestUser;
let product: TestProduct;

beforeAll(async () => {
  // dynalite queues writes to one item (a race on one externalId); DynamoDB takes milliseconds.
  evergate = await startTestEvergate({ configOverrides: { AWS_TIMEOUT_MS: "20000" } });
  seller = await evergate.newUser("conv");
  product = await evergate.createProduct(seller);
});
afterAll(() => evergate?.stop());

interface LinkView {
  id: string;
  label?: string;
  recipient?: string;
  tags?: string[];
  externalId?: string;
  status: string;
}
interface Page {
  items: LinkView[];
  nextCursor?: string;
}

/** Every link GET /api/links gives for the query, following nextCursor. */
async function listAll(token: string, query: string, limit = 100) {
  const items: LinkView[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const response = await evergate.request(
      "GET",
      `/api/links?limit=${limit}&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      { token },
    );
    expect(response.status, await response.clone().text()).toBe(200);
    const page = await json<Page>(response);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { items, pages };
}

const bulkCreate = (token: string, links: unknown[]) =>
  evergate.request("POST", "/api/links/bulk", { token, json: { links } });

describe("links carry tags and an externalId", () => {
  it("20 concurrent creations with one externalId: exactly one wins, the others 409; ?externalId= finds it", async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        evergate.request("POST", "/api/links", {
          token: seller.token,
          json: { productId: product.id, externalId: "order-77", tags: ["vip", "spring"] },
        }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    const refused = responses.find((response) => response.status === 409);
    expect(await json(refused as Response)).toMatchObject({ code: "external_id_taken" });
    const found = await json<Page>(
      await evergate.request("GET", "/api/links?externalId=order-77", { token: seller.token }),
    );
    expect(found.items).toHaveLength(1);
    expect(found.items[0]).toMatchObject({ externalId: "order-77", tags: ["vip", "spring"] });
    const stranger = await evergate.newUser("stranger");
    const theirs = await json<Page>(
      await evergate.request("GET", "/api/links?externalId=order-77", { token: stranger.token }),
    );
    expect(theirs.items).toHaveLength(0);
    // A rotation keeps the externalId: the lookup then finds the new link.
    const rotated = await json<{ id: string }>(
      await evergate.request("POST", `/api/links/${found.items[0]?.id}/rotate`, { token: seller.token }),
    );
    const after = await json<Page>(
      await evergate.request("GET", "/api/links?externalId=order-77", { token: seller.token }),
    );
    expect(after.items.map((link) => link.id)).toEqual([rotated.id]);
  });

  it("GET /api/links filters by tag, recipient, text, status and product; cursors are bound to their filters", async () => {
    const other = await evergate.createProduct(seller, { title: "Other" });
    const made = await bulkCreate(seller.token, [
      ...Array.from({ length: 7 }, (_, i) => ({ productId: product.id, tags: ["f-red"], label: `Red ${i}` })),
      ...Array.from({ length: 3 }, (_, i) => ({
        productId: other.id,
        tags: ["f-red", "f-blue"],
        recipient: `ana${i}@example.com`,
      })),
      { productId: other.id, recipient: "bob@example.com", label: "Invoice March" },
    ]);
    expect(made.status).toBe(200);
    const red = await listAll(seller.token, "tag=f-red", 2);
    expect(red.items).toHaveLength(10);
    expect(red.pages).toBeGreaterThanOrEqual(5);
    expect((await listAll(seller.token, "tag=f-blue")).items).toHaveLength(3);
    expect((await listAll(seller.token, `tag=f-red&productId=${other.id}`)).items).toHaveLength(3);
    expect((await listAll(seller.token, "recipient=bob%40example.com")).items.map((l) => l.label)).toEqual([
      "Invoice March",
    ]);
    expect((await listAll(seller.token, "q=invoice%20MAR")).items).toHaveLength(1);
    expect((await listAll(seller.token, "q=ANA")).items).toHaveLength(3);
    expect((await listAll(seller.token, "tag=f-red&status=revoked")).items).toHaveLength(0);

    // Assess the cursor: another filter with it, a changed byte, another user's use: all 400.
    const first = await json<Page>(
      await evergate.request("GET", "/api/links?limit=2&tag=f-red", { token: seller.token }),
    );
    const cursor = first.nextCursor ?? "";
    expect(cursor).not.toBe("");
    for (const [query, token] of [
      [`tag=f-blue&cursor=${cursor}`, seller.token],
      [`tag=f-red&cursor=${cursor.slice(0, -2)}xx`, seller.token],
      [`tag=f-red&cursor=${cursor}`, (await evergate.newUser("thief")).token],
      [`cursor=${cursor}`, seller.token],
    ] as const) {
      const response = await evergate.request("GET", `/api/links?limit=2&${query}`, { token });
      expect(response.status, query).toBe(400);
      expect(await json(response)).toMatchObject({ code: "invalid_request" });
    }
  });
});

describe("bulk calls", () => {
  it("POST /api/links/bulk creates 100 links in one call, each failure in its place; 101 is a 422", async () => {
    const stranger = await evergate.newUser("bulk-stranger");
    const notMine = await evergate.createProduct(stranger);
    const items = Array.from({ length: 100 }, (_, i) => ({
      productId: i === 40 ? notMine.id : product.id,
      externalId: i === 70 ? "bulk-0" : `bulk-${i}`,
      tags: ["bulk"],
    }));
    const started = performance.now();
    const response = await bulkCreate(seller.token, items);
    const ms = Math.round(performance.now() - started);
    expect(response.status).toBe(200);
    const result = await json<{
      items: Array<{ index: number; status: number; link?: { url: string }; problem?: { code: string } }>;
      created: number;
      failed: number;
    }>(response);
    expect(result).toMatchObject({ created: 98, failed: 2 });
    expect(result.items.map((item) => item.index)).toEqual(items.map((_, i) => i));
    expect(result.items[40]).toMatchObject({ status: 404, problem: { code: "not_found" } });
    expect(result.items[70]).toMatchObject({ status: 409, problem: { code: "external_id_taken" } });
    expect(result.items[0]?.link?.url).toMatch(/\/l\/evg_/);
    expect((await listAll(seller.token, "tag=bulk")).items).toHaveLength(98);
    console.info(`bulk create of 100 links: ${ms} ms`);

    const tooMany = await bulkCreate(
      seller.token,
      Array.from({ length: 101 }, () => ({ productId: product.id })),
    );
    expect(tooMany.status).toBe(422);
    expect(tooMany.headers.get("content-type")).toBe("application/problem+json");
    expect(await json(tooMany)).toMatchObject({ code: "too_many_items" });
  }, 120_000);

  it("POST /api/links/revoke by ids answers per id: a stranger's link is a 404 and stays active", async () => {
    const stranger = await evergate.newUser("ids-stranger");
    const theirProduct = await evergate.createProduct(stranger);
    const theirs = await json<{ id: string }>(
      await evergate.request("POST", "/api/links", {
        token: stranger.token,
        json: { productId: theirProduct.id },
      }),
    );
    const mine = await json<{ items: Array<{ link: { id: string } }> }>(
      await bulkCreate(seller.token, [{ productId: product.id }, { productId: product.id }]),
    );
    const ids = [mine.items[0]?.link.id, theirs.id, mine.items[1]?.link.id];
    const response = await evergate.request("POST", "/api/links/revoke", {
      token: seller.token,
      json: { ids },
    });
    expect(response.status).toBe(200);
    const result = await json<{ items: Array<{ id: string; status: number }>; revoked: number }>(response);
    expect(result.items.map((item) => [item.id, item.status])).toEqual([
      [ids[0], 200],
      [ids[1], 404],
      [ids[2], 200],
    ]);
    const still = await json<LinkView>(
      await evergate.request("GET", `/api/links/${theirs.id}`, { token: stranger.token }),
    );
    expect(still.status).toBe("active");
    const neither = await evergate.request("POST", "/api/links/revoke", {
      token: seller.token,
      json: { ids, filter: { tag: "x" } },
    });
    expect(neither.status).toBe(400);
    const empty = await evergate.request("POST", "/api/links/revoke", {
      token: seller.token,
      json: { filter: {} },
    });
    expect(empty.status).toBe(400);
  });

  it("revoke by tag over 2,000 links answers at once and never touches another owner's links", async () => {
    // Prepare: 2,000 of the seller's links and 500 of a buyer's to the same product, one tag for all
    const victim = await evergate.newUser("victim");
    const course = await evergate.createProduct(seller, { title: "A course" });
    await floodLinks(evergate, course.id, seller.userId, 2_000, { tags: ["campaign"] });
    await floodLinks(evergate, course.id, victim.userId, 500, { tags: ["campaign"] });
    // Act
    const started = performance.now();
    const response = await evergate.request("POST", "/api/links/revoke", {
      token: seller.token,
      json: { filter: { tag: "campaign" } },
    });
    const answeredMs = Math.round(performance.now() - started);
    expect(response.status).toBe(202);
    expect(await json(response)).toMatchObject({ state: "accepted", filter: { tag: "campaign" } });
    await evergate.linkJobsSettled();
    const doneMs = Math.round(performance.now() - started);
    // Assess
    expect(answeredMs).toBeLessThan(2_000);
    expect((await listAll(seller.token, "tag=campaign&status=active")).items).toHaveLength(0);
    expect((await listAll(seller.token, "tag=campaign&status=revoked")).items).toHaveLength(2_000);
    expect((await listAll(victim.token, "tag=campaign&status=active")).items).toHaveLength(500);
    console.info(`revoke by tag over 2,000 links: answered in ${answeredMs} ms, all revoked in ${doneMs} ms`);
  }, 400_000);
});
