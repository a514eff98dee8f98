import { expect, it } from "vitest";
import { newId } from "#src/domain/token.ts";
import type { Stores } from "#src/storage/ports.ts";
import { anOrder, at, concurrently, walk } from "./fixtures.ts";

/** OrderStore: one order per product and buyer, reactivated after a refund; buyer and seller lists. */
export function orderStoreContract(stores: () => Stores) {
  const orders = () => stores().orders;

  it("place creates the order once; placing it again while active answers exists and changes nothing", async () => {
    const order = anOrder();
    expect(await orders().place(order)).toBe("created");
    expect(await orders().place({ ...order, createdAt: at(9), priceAmount: 1 })).toBe("exists");
    expect(await orders().get(order.productId, order.buyerId)).toStrictEqual(order);
    expect(await orders().get(order.productId, "someone-else")).toBeNull();
    expect(await orders().get(newId(), order.buyerId)).toBeNull();
  });

  it("of 50 concurrent purchases of one product by one buyer exactly one creates the order", async () => {
    const order = anOrder();
    const results = await concurrently(50, (i) => orders().place({ ...order, createdAt: at(i) }));
    expect(results.filter((result) => result === "created")).toHaveLength(1);
    expect(results.filter((result) => result === "exists")).toHaveLength(49);
  });

  it("markRefunded refunds once: the first refund time stays; null for no order", async () => {
    const order = anOrder();
    await orders().place(order);
    const refunded = await orders().markRefunded(order.productId, order.buyerId, new Date(at(10)));
    expect(refunded).toStrictEqual({ ...order, status: "refunded", refundedAt: at(10) });
    expect(await orders().markRefunded(order.productId, order.buyerId, new Date(at(20)))).toStrictEqual(
      refunded,
    );
    expect(await orders().get(order.productId, order.buyerId)).toStrictEqual(refunded);
    expect(await orders().markRefunded(order.productId, "no-buyer", new Date(at(10)))).toBeNull();
    expect(await orders().get(order.productId, "no-buyer")).toBeNull();
  });

  it("a refunded order is reactivated by placing it again, as the new order (no refund left on it)", async () => {
    const order = anOrder();
    await orders().place(order);
    await orders().markRefunded(order.productId, order.buyerId, new Date(at(10)));
    const again = { ...order, createdAt: at(20), priceAmount: 700 };
    expect(await orders().place(again)).toBe("created");
    expect(await orders().get(order.productId, order.buyerId)).toStrictEqual(again);
    expect(await orders().place(again)).toBe("exists");
  });

  it("of 50 concurrent re-purchases after a refund exactly one reactivates the order", async () => {
    const order = anOrder();
    await orders().place(order);
    await orders().markRefunded(order.productId, order.buyerId, new Date(at(1)));
    const results = await concurrently(50, (i) => orders().place({ ...order, createdAt: at(10 + i) }));
    expect(results.filter((result) => result === "created")).toHaveLength(1);
    expect((await orders().get(order.productId, order.buyerId))?.status).toBe("active");
  });

  it("listByBuyer and listBySeller page newest first, only theirs, showing refunds", async () => {
    const made = Array.from({ length: 7 }, (_, i) =>
      anOrder({
        buyerId: i < 5 ? "buyer-x" : "buyer-y",
        sellerId: i % 2 ? "seller-odd" : "seller-even",
        createdAt: at(i),
      }),
    );
    for (const order of [...made].reverse()) await orders().place(order);
    const first = made[0] ?? anOrder();
    await orders().markRefunded(first.productId, first.buyerId, new Date(at(30)));
    const bought = await walk((page) => orders().listByBuyer("buyer-x", page), 2);
    expect(bought.items.map((o) => o.id)).toEqual(
      made
        .slice(0, 5)
        .map((o) => o.id)
        .reverse(),
    );
    expect(bought.items.at(-1)?.status).toBe("refunded");
    const sold = await walk((page) => orders().listBySeller("seller-even", page), 3);
    const expected = made.filter((o) => o.sellerId === "seller-even").map((o) => o.id);
    expect(sold.items.map((o) => o.id)).toEqual(expected.reverse());
  });

  it("a cursor from a buyer's list is refused for the seller list", async () => {
    for (let i = 0; i < 2; i++)
      await orders().place(anOrder({ buyerId: "b", sellerId: "b", createdAt: at(i) }));
    const { nextCursor } = await orders().listByBuyer("b", { limit: 1 });
    await expect(orders().listBySeller("b", { limit: 1, cursor: nextCursor })).rejects.toMatchObject({
      code: "invalid_request",
    });
  });
}
