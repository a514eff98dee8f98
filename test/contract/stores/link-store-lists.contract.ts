import { expect, it } from "vitest";
import type { Link } from "#src/domain/link.ts";
import { newId } from "#src/domain/token.ts";
import type { Stores } from "#src/storage/ports.ts";
import { aLink, at, concurrently, consume, t0, walk } from "./fixtures.ts";

/** LinkStore's lists: the paged views (newest first) and the strongly consistent pointer read. */
/** Every id pageActiveIds gives for the product (or one owner), through its pages. */
async function activeIdsOf(
  store: { pageActiveIds: Stores["links"]["pageActiveIds"] },
  productId: string,
  ownerId?: string,
) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.pageActiveIds(productId, ownerId, { limit: 40, cursor });
    ids.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

export function linkStoreListsContract(stores: () => Stores) {
  const links = () => stores().links;

  /** `count` links of one owner and product, one second apart, in random order of writing. */
  async function putMany(count: number, fields: Partial<Link> = {}) {
    const made = Array.from({ length: count }, (_, i) => aLink({ createdAt: at(i), ...fields }));
    for (const link of [...made].sort(() => Math.random() - 0.5)) await links().put(link, 1000);
    return made;
  }

  it("eachLink yields every link once, revoked ones too, whatever their owner", async () => {
    const made = [...(await putMany(30, { ownerId: "one" })), ...(await putMany(5, { ownerId: "two" }))];
    await links().revoke(made[0]?.id as string, "one", t0);
    const seen: string[] = [];
    for await (const link of links().eachLink()) seen.push(link.id);
    expect(seen.filter((id) => made.some((link) => link.id === id)).sort()).toEqual(
      made.map((link) => link.id).sort(),
    );
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("scanLinks walks every link in bounded steps, each match once, whatever its owner", async () => {
    const made = [...(await putMany(40, { ownerId: "one" })), ...(await putMany(20, { ownerId: "two" }))];
    const mine = new Set(made.map((link) => link.id));
    const isEarly = (link: Link) => mine.has(link.id) && link.createdAt < at(10);
    const expected = made.filter(isEarly).map((link) => link.id);
    for (const request of [
      { limit: 100, budget: 7 },
      { limit: 3, budget: 1000 },
    ]) {
      const seen: string[] = [];
      let after: string | undefined;
      let steps = 0;
      do {
        const step = await links().scanLinks({ ...request, after }, isEarly);
        expect(step.items.length).toBeLessThanOrEqual(request.limit);
        seen.push(...step.items.map((link) => link.id));
        after = step.next;
        if (++steps > 10_000) throw new Error("the walk never ends");
      } while (after);
      expect(seen.sort()).toEqual([...expected].sort());
      if (request.budget === 7) expect(steps).toBeGreaterThanOrEqual(Math.ceil(60 / 7));
    }
  });

  it("listByOwner pages newest first through its cursor, each link once, only the owner's", async () => {
    const mine = await putMany(25, { ownerId: "me" });
    await putMany(3, { ownerId: "someone-else" });
    const { items, pages } = await walk((page) => links().listByOwner("me", page), 10);
    expect(items.map((link) => link.id)).toEqual(mine.map((link) => link.id).reverse());
    expect(pages).toBe(3);
  });

  it("listByProduct pages newest first, each link once, only that product's", async () => {
    const productId = newId();
    const ofProduct = await putMany(12, { productId, ownerId: "buyer" });
    await putMany(2, { ownerId: "buyer" });
    const { items } = await walk((page) => links().listByProduct(productId, page), 5);
    expect(items.map((link) => link.id)).toEqual(ofProduct.map((link) => link.id).reverse());
  });

  it("links made in the same millisecond are all listed, once each", async () => {
    const same = await putMany(7, { ownerId: "burst", createdAt: at(0) });
    const { items } = await walk((page) => links().listByOwner("burst", page), 2);
    expect(items.map((link) => link.id).sort()).toEqual(same.map((link) => link.id).sort());
  });

  it("a full page carries a cursor even when nothing follows; the next page is empty and ends it", async () => {
    await putMany(4, { ownerId: "four" });
    const first = await links().listByOwner("four", { limit: 4 });
    expect(first.items).toHaveLength(4);
    expect(first.nextCursor).toBeTypeOf("string");
    const last = await links().listByOwner("four", { limit: 4, cursor: first.nextCursor });
    expect(last.items).toEqual([]);
    expect(last.nextCursor).toBeUndefined();
    const roomy = await links().listByOwner("four", { limit: 5 });
    expect([roomy.items.length, roomy.nextCursor]).toEqual([4, undefined]);
  });

  it("an empty list is one page without a cursor", async () => {
    for (const page of [
      await links().listByOwner("nobody", { limit: 10 }),
      await links().listByProduct(newId(), { limit: 10 }),
    ]) {
      expect([page.items, page.nextCursor]).toEqual([[], undefined]);
    }
  });

  it("a list shows each link as it is now (counts, revocation)", async () => {
    const [link] = (await putMany(1, { ownerId: "current" })) as [Link];
    await consume(links(), link.id, t0);
    await links().revoke(link.id, "current", t0);
    const { items } = await links().listByOwner("current", { limit: 10 });
    expect(items).toStrictEqual([await links().get(link.id)]);
  });

  it("a cursor works only for the list that gave it; anything else is an invalid request", async () => {
    const productId = newId();
    await putMany(3, { ownerId: "alice", productId });
    const { nextCursor } = await links().listByOwner("alice", { limit: 1 });
    expect(nextCursor).toBeTypeOf("string");
    const refused = { name: "AppError", code: "invalid_request" };
    await expect(links().listByOwner("mallory", { limit: 1, cursor: nextCursor })).rejects.toMatchObject(
      refused,
    );
    await expect(links().listByProduct(productId, { limit: 1, cursor: nextCursor })).rejects.toMatchObject(
      refused,
    );
    for (const cursor of ["", "not-a-cursor", Buffer.from("[1,2]").toString("base64url"), "%%%"]) {
      await expect(links().listByOwner("alice", { limit: 1, cursor })).rejects.toMatchObject(refused);
    }
  });

  it("pageActiveIds sees a link put a moment ago (strongly consistent), by owner or all", async () => {
    const productId = newId();
    const a = aLink({ productId, ownerId: "buyer-a" });
    await links().put(a, 1000);
    expect(await activeIdsOf(links(), productId)).toEqual([a.id]);
    const b = aLink({ productId, ownerId: "buyer-b" });
    await links().put(b, 1000);
    expect((await activeIdsOf(links(), productId)).sort()).toEqual([a.id, b.id].sort());
    expect(await activeIdsOf(links(), productId, "buyer-b")).toEqual([b.id]);
    expect(await activeIdsOf(links(), productId, "buyer")).toEqual([]);
    expect(await activeIdsOf(links(), newId())).toEqual([]);
  });

  it("pageActiveIds returns every one of 150 links written at once (past any page size)", async () => {
    const productId = newId();
    const made = await concurrently(150, async (i) => {
      const link = aLink({ productId, ownerId: `buyer-${i % 7}` });
      await links().put(link, 1000);
      return link;
    });
    const ids = await activeIdsOf(links(), productId);
    expect(ids.sort()).toEqual(made.map((link) => link.id).sort());
    const ofOne = made.filter((link) => link.ownerId === "buyer-3").map((link) => link.id);
    expect((await activeIdsOf(links(), productId, "buyer-3")).sort()).toEqual(ofOne.sort());
  });
}
