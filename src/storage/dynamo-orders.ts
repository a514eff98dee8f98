import type { Order } from "#src/domain/product.ts";
import { type DynamoTable, type Item, recordOf } from "./dynamo-table.ts";
import type { OrderStore, Page } from "./ports.ts";

/** Orders live in their product's partition (one item per buyer), so "did X buy P" is one GetItem. */
const pkOf = (productId: string) => `PRODUCT#${productId}`;
const skOf = (buyerId: string) => `ORDER#${buyerId}`;

const toOrder = (item: Item) => recordOf<Order>(item);

const toPage = (page: Page<Item>): Page<Order> => ({
  items: page.items.map(toOrder),
  nextCursor: page.nextCursor,
});

export function dynamoOrderStore(table: DynamoTable): OrderStore {
  return {
    async place(order) {
      const sortKey = `${order.createdAt}#${order.id}`;
      const created = await table.put(
        {
          pk: pkOf(order.productId),
          sk: skOf(order.buyerId),
          gsi1pk: `BUYER_ORDERS#${order.buyerId}`,
          gsi1sk: sortKey,
          gsi2pk: `SELLER_ORDERS#${order.sellerId}`,
          gsi2sk: sortKey,
          ...order,
        },
        {
          expression: "attribute_not_exists(pk) OR #status = :refunded",
          names: { "#status": "status" },
          values: { ":refunded": "refunded" },
        },
      );
      return created ? "created" : "exists";
    },
    async get(productId, buyerId) {
      const item = await table.get(pkOf(productId), skOf(buyerId));
      return item ? toOrder(item) : null;
    },
    async listByBuyer(buyerId, request) {
      return toPage(await table.query("gsi1", `BUYER_ORDERS#${buyerId}`, request));
    },
    async listBySeller(sellerId, request) {
      return toPage(await table.query("gsi2", `SELLER_ORDERS#${sellerId}`, request));
    },
    async markRefunded(productId, buyerId, now) {
      const item = await table.update(pkOf(productId), skOf(buyerId), {
        expression: "SET #status = :refunded, refundedAt = if_not_exists(refundedAt, :now)",
        condition: "attribute_exists(pk)",
        names: { "#status": "status" },
        values: { ":refunded": "refunded", ":now": now.toISOString() },
      });
      return item ? toOrder(item) : null;
    },
  };
}
