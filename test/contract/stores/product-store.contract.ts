import { expect, it } from "vitest";
import type { Stores } from "#src/storage/ports.ts";
import { aProduct, at, concurrently, walk } from "./fixtures.ts";

/** ProductStore: create once, versioned replace (edits never lost), delete, newest-first lists. */
export function productStoreContract(stores: () => Stores) {
  const products = () => stores().products;

  it("create then get gives the product back; a second create with its id changes nothing", async () => {
    const product = aProduct();
    await products().create(product);
    await products().create({ ...product, title: "Overwritten?" });
    expect(await products().get(product.id)).toStrictEqual(product);
    expect(await products().get("no-such-product")).toBeNull();
  });

  it("replace writes only over the version it read", async () => {
    const product = aProduct({ version: 3 });
    await products().create(product);
    const edited = { ...product, title: "Edited", version: 4, updatedAt: at(5) };
    expect(await products().replace(edited, 2)).toBe(false);
    expect(await products().get(product.id)).toStrictEqual(product);
    expect(await products().replace(edited, 3)).toBe(true);
    expect(await products().get(product.id)).toStrictEqual(edited);
    expect(await products().replace({ ...edited, title: "Stale", version: 4 }, 3)).toBe(false);
    expect((await products().get(product.id))?.title).toBe("Edited");
  });

  it("keeps a seller's defaultMaxClients, and a replace without it removes it", async () => {
    const product = aProduct({ version: 1, defaultMaxClients: 3 });
    await products().create(product);
    expect(await products().get(product.id)).toStrictEqual(product);
    const { defaultMaxClients: _removed, ...without } = product;
    expect(await products().replace({ ...without, version: 2 }, 1)).toBe(true);
    expect(await products().get(product.id)).toStrictEqual({ ...without, version: 2 });
  });

  it("replace of a product that does not exist fails and creates nothing", async () => {
    const product = aProduct();
    expect(await products().replace(product, product.version)).toBe(false);
    expect(await products().get(product.id)).toBeNull();
  });

  it("of 50 concurrent edits from the same version exactly one wins", async () => {
    const product = aProduct({ version: 1 });
    await products().create(product);
    const results = await concurrently(50, (i) =>
      products().replace({ ...product, title: `edit ${i}`, version: 2 }, 1),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect((await products().get(product.id))?.title).toBe(`edit ${winner}`);
  });

  it("delete removes the product from get and from the lists; deleting again is fine", async () => {
    const product = aProduct({ authorId: "deleter" });
    await products().create(product);
    await products().delete(product.id);
    await products().delete(product.id);
    expect(await products().get(product.id)).toBeNull();
    expect((await products().listByAuthor("deleter", { limit: 10 })).items).toEqual([]);
    expect((await products().listRecent({ limit: 10 })).items).toEqual([]);
  });

  it("listRecent and listByAuthor page newest first, each product once", async () => {
    const made = Array.from({ length: 9 }, (_, i) =>
      aProduct({ createdAt: at(i), authorId: i % 3 === 0 ? "prolific" : `author-${i}` }),
    );
    for (const product of [...made].reverse()) await products().create(product);
    const recent = await walk((page) => products().listRecent(page), 4);
    expect(recent.items.map((p) => p.id)).toEqual(made.map((p) => p.id).reverse());
    const byAuthor = await walk((page) => products().listByAuthor("prolific", page), 2);
    const expected = made.filter((p) => p.authorId === "prolific").map((p) => p.id);
    expect(byAuthor.items.map((p) => p.id)).toEqual(expected.reverse());
  });

  it("a list shows the product as last replaced", async () => {
    const product = aProduct({ authorId: "editor" });
    await products().create(product);
    await products().replace({ ...product, title: "Now", version: 2 }, 1);
    expect((await products().listByAuthor("editor", { limit: 5 })).items).toStrictEqual([
      { ...product, title: "Now", version: 2 },
    ]);
  });

  it("a cursor from one author's list is refused for another's", async () => {
    for (let i = 0; i < 2; i++) await products().create(aProduct({ authorId: "alice", createdAt: at(i) }));
    const { nextCursor } = await products().listByAuthor("alice", { limit: 1 });
    await expect(products().listByAuthor("mallory", { limit: 1, cursor: nextCursor })).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(products().listRecent({ limit: 1, cursor: nextCursor })).rejects.toMatchObject({
      code: "invalid_request",
    });
  });
}
