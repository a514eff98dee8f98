import { expect, it } from "vitest";
import type { AccessEvent } from "#src/domain/access-event.ts";
import type { Stores } from "#src/storage/ports.ts";
import { at, concurrently, t0 } from "./fixtures.ts";

let serial = 0;
function anEvent(fields: Partial<AccessEvent> = {}): AccessEvent {
  serial += 1;
  return {
    id: `event-${serial}`,
    linkId: "link-1",
    productId: "product-1",
    ownerId: "owner-1",
    at: at(serial),
    kind: "download",
    outcome: "granted",
    clientId: "client-a",
    client: { class: "browser", browser: "Firefox", os: "Linux" },
    country: "DE",
    ...fields,
  };
}

const expires = new Date(t0.getTime() + 90 * 86_400_000);

/** EventStore: the access log the stream consumer writes (ADR 021). */
export function eventStoreContract(stores: () => Stores) {
  const events = () => stores().events;

  it("put writes an event once: 20 redeliveries of one record leave one event", async () => {
    const event = anEvent({ linkId: "once" });
    await concurrently(20, () => events().put(event, expires));
    await events().put({ ...event, country: "FR" }, expires);
    const { items } = await events().listByLink("once", { limit: 100 });
    expect(items).toStrictEqual([event]);
  });

  it("listByLink pages a link's events newest first; an outcome filter may leave a page short", async () => {
    const written = [];
    for (let i = 0; i < 7; i++) {
      const event = anEvent({ linkId: "paged", ...(i % 2 ? { kind: "refused", outcome: "revoked" } : {}) });
      written.push(event);
      await events().put(event, expires);
    }
    await events().put(anEvent({ linkId: "other" }), expires);
    const first = await events().listByLink("paged", { limit: 4 });
    expect(first.items.map((event) => event.id)).toEqual(
      written
        .slice(3)
        .reverse()
        .map((event) => event.id),
    );
    const second = await events().listByLink("paged", { limit: 4, cursor: first.nextCursor });
    expect(second.items.map((event) => event.id)).toEqual(
      written
        .slice(0, 3)
        .reverse()
        .map((event) => event.id),
    );
    const refused = await events().listByLink("paged", { limit: 4, outcome: "revoked" });
    expect(refused.items.map((event) => event.id)).toEqual([written[5]?.id, written[3]?.id]);
    expect(refused.nextCursor).toBeDefined();
  });

  it("since answers a link's events whole and a product's as its stats need them, newest first, at most max", async () => {
    const old = anEvent({ linkId: "s1", productId: "p-since" });
    const recent = [
      anEvent({ linkId: "s1", productId: "p-since" }),
      anEvent({ linkId: "s2", productId: "p-since" }),
    ];
    for (const event of [old, ...recent]) await events().put(event, expires);
    const since = new Date(recent[0]?.at ?? "");
    expect(await events().since({ linkId: "s1" }, since, 10)).toStrictEqual([recent[0]]);
    const ofProduct = await events().since({ productId: "p-since" }, since, 10);
    expect(ofProduct.map((event) => event.id)).toEqual([recent[1]?.id, recent[0]?.id]);
    expect(ofProduct[0]).toStrictEqual({
      id: recent[1]?.id,
      linkId: "",
      ownerId: "",
      productId: "p-since",
      at: recent[1]?.at,
      kind: "download",
      outcome: "granted",
      client: { class: "browser" },
      country: "DE",
      clientId: "client-a",
    });
    expect(await events().since({ productId: "p-since" }, new Date(old.at), 1)).toHaveLength(1);
  });
}
