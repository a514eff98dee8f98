import { expect, it } from "vitest";
import type { Link } from "#src/domain/link.ts";
import { newId } from "#src/domain/token.ts";
import type { Stores } from "#src/storage/ports.ts";
import { aLink, at, concurrently, t0 } from "./fixtures.ts";

/** Every link scanOwnerLinks gives, page after page, and how many pages it took. */
async function scanAll(
  links: Stores["links"],
  ownerId: string,
  request: { limit: number; budget: number },
  match: (link: Link) => boolean,
) {
  const items: Link[] = [];
  let after: string | undefined;
  let pages = 0;
  do {
    const page = await links.scanOwnerLinks(ownerId, { ...request, after }, match);
    expect(page.items.length).toBeLessThanOrEqual(request.limit);
    items.push(...page.items);
    after = page.next;
    if (++pages > 1000) throw new Error("the walk never ends");
  } while (after);
  return { items, pages };
}

/** LinkStore for issue 17: externalId unique per owner, looked up by it; the bounded filtered walk. */
export function linkStoreConventionsContract(stores: () => Stores) {
  const links = () => stores().links;

  it("50 concurrent puts with one externalId: exactly one link, the others taken; their slots freed", async () => {
    const productId = newId();
    const results = await concurrently(50, (i) =>
      links().put(aLink({ productId, ownerId: "o", externalId: "order-1", createdAt: at(i) }), 100),
    );
    expect(results.filter((result) => result === true)).toHaveLength(1);
    expect(results.filter((result) => result === "externalIdTaken")).toHaveLength(49);
    // The 49 losers gave their slots back: one slot held, so a limit of 2 allows exactly one more.
    expect(await links().put(aLink({ productId, ownerId: "o" }), 2)).toBe(true);
    expect(await links().put(aLink({ productId, ownerId: "o" }), 2)).toBe(false);
    const found = await links().getByExternalId("o", "order-1");
    expect(found?.externalId).toBe("order-1");
    // Another owner's same externalId is theirs; revoking the holder frees a slot, not the externalId.
    expect(await links().put(aLink({ ownerId: "p", externalId: "order-1" }), 1)).toBe(true);
    await links().revoke(found?.id ?? "", "o", t0);
    expect(await links().put(aLink({ productId, ownerId: "o" }), 2)).toBe(true);
    expect(await links().put(aLink({ ownerId: "o", externalId: "order-1" }), 5)).toBe("externalIdTaken");
  });

  it("a taken externalId costs no slot; a rotation hands it over to the new link", async () => {
    const productId = newId();
    const first = aLink({ productId, ownerId: "o", externalId: "x-1" });
    expect(await links().put(first, 2)).toBe(true);
    expect(await links().put(aLink({ productId, ownerId: "o", externalId: "x-1" }), 2)).toBe(
      "externalIdTaken",
    );
    expect(await links().put(aLink({ productId, ownerId: "o" }), 2)).toBe(true);
    await links().revoke(first.id, "o", t0, true);
    const next = aLink({ productId, ownerId: "o", externalId: "x-1" });
    expect(await links().put(next, 2, { externalIdFrom: first.id })).toBe(true);
    expect((await links().getByExternalId("o", "x-1"))?.id).toBe(next.id);
    expect(await links().getByExternalId("someone-else", "x-1")).toBeNull();
    expect(await links().getByExternalId("o", "nothing")).toBeNull();
  });

  it("scanOwnerLinks walks the owner's links newest first, within its budget, each match once", async () => {
    const mine = Array.from({ length: 30 }, (_, i) =>
      aLink({ ownerId: "me", createdAt: at(i), tags: i % 3 === 0 ? ["blue"] : ["red"] }),
    );
    for (const link of [...mine].sort(() => Math.random() - 0.5)) await links().put(link, 1000);
    await links().put(aLink({ ownerId: "other", tags: ["blue"] }), 1000);
    const isBlue = (link: Link) => (link.tags ?? []).includes("blue");
    const blue = mine
      .filter(isBlue)
      .map((link) => link.id)
      .reverse();

    const byBudget = await scanAll(links(), "me", { limit: 100, budget: 7 }, isBlue);
    expect(byBudget.items.map((link) => link.id)).toEqual(blue);
    expect(byBudget.pages).toBeGreaterThanOrEqual(5);
    const byLimit = await scanAll(links(), "me", { limit: 3, budget: 1000 }, isBlue);
    expect(byLimit.items.map((link) => link.id)).toEqual(blue);
    const first = await links().scanOwnerLinks("me", { limit: 100, budget: 7 }, isBlue);
    expect(first.items.length).toBeLessThanOrEqual(3);
    expect(first.next).toBeDefined();
    expect((await scanAll(links(), "nobody", { limit: 5, budget: 5 }, () => true)).items).toEqual([]);
  });
}
