import type { Product } from "#src/domain/product.ts";
import { type DynamoTable, type Item, recordOf } from "./dynamo-table.ts";
import type { Page, ProductStore } from "./ports.ts";

const SK = "PRODUCT";
const pkOf = (id: string) => `PRODUCT#${id}`;
/** All products share one index partition for "most recent": fine at shop scale (see the data-model ADR). */
export const RECENT_PRODUCTS_PARTITION = "PRODUCTS";

function toItem(product: Product): Item {
  const sortKey = `${product.createdAt}#${product.id}`;
  return {
    pk: pkOf(product.id),
    sk: SK,
    gsi1pk: RECENT_PRODUCTS_PARTITION,
    gsi1sk: sortKey,
    gsi2pk: `AUTHOR_PRODUCTS#${product.authorId}`,
    gsi2sk: sortKey,
    ...product,
  };
}

const toProduct = (item: Item) => recordOf<Product>(item);

function toPage(page: Page<Item>): Page<Product> {
  return { items: page.items.map(toProduct), nextCursor: page.nextCursor };
}

export function dynamoProductStore(table: DynamoTable): ProductStore {
  return {
    async create(product) {
      await table.put(toItem(product), { expression: "attribute_not_exists(pk)" });
    },
    async get(id) {
      const item = await table.get(pkOf(id), SK);
      return item ? toProduct(item) : null;
    },
    replace(product, expectedVersion) {
      return table.put(toItem(product), {
        expression: "attribute_exists(pk) AND version = :expected",
        values: { ":expected": expectedVersion },
      });
    },
    async delete(id) {
      await table.delete(pkOf(id), SK);
    },
    async listRecent(request) {
      return toPage(await table.query("gsi1", RECENT_PRODUCTS_PARTITION, request));
    },
    async listByAuthor(authorId, request) {
      return toPage(await table.query("gsi2", `AUTHOR_PRODUCTS#${authorId}`, request));
    },
  };
}
