import type { Order } from "#src/domain/product.ts";
import { byCreation, copyOf, pageOf } from "./memory-lists.ts";
import type { OrderStore } from "./ports.ts";

/** OrderStore in memory: one order per product and buyer, as the DynamoDB key makes it. */
export function memoryOrderStore(): OrderStore {
  const orders = new Map<string, Order>();
  const keyOf = (productId: string, buyerId: string) => `${productId}\u0000${buyerId}`;
  const listed = (match: (order: Order) => boolean) =>
    [...orders.values()].filter(match).map((order): [string, Order] => [byCreation(order), order]);

  return {
    async place(order) {
      const key = keyOf(order.productId, order.buyerId);
      const current = orders.get(key);
      if (current && current.status !== "refunded") return "exists";
      orders.set(key, copyOf(order));
      return "created";
    },
    async get(productId, buyerId) {
      const order = orders.get(keyOf(productId, buyerId));
      return order ? copyOf(order) : null;
    },
    listByBuyer: async (buyerId, request) =>
      pageOf(
        `buyer:${buyerId}`,
        listed((order) => order.buyerId === buyerId),
        request,
      ),
    listBySeller: async (sellerId, request) =>
      pageOf(
        `seller:${sellerId}`,
        listed((order) => order.sellerId === sellerId),
        request,
      ),
    async markRefunded(productId, buyerId, now) {
      const order = orders.get(keyOf(productId, buyerId));
      if (!order) return null;
      order.status = "refunded";
      order.refundedAt ??= now.toISOString();
      return copyOf(order);
    },
  };
}
