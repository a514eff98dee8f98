import type { Product } from "#src/domain/product.ts";
import { byCreation, copyOf, pageOf } from "./memory-lists.ts";
import type { ProductStore } from "./ports.ts";

/** ProductStore in memory (see memory-links.ts for what holds for all memory stores). */
export function memoryProductStore(): ProductStore {
  const products = new Map<string, Product>();
  const listed = (match: (product: Product) => boolean) =>
    [...products.values()].filter(match).map((product): [string, Product] => [byCreation(product), product]);

  return {
    async create(product) {
      if (!products.has(product.id)) products.set(product.id, copyOf(product));
    },
    async get(id) {
      const product = products.get(id);
      return product ? copyOf(product) : null;
    },
    async replace(product, expectedVersion) {
      if (products.get(product.id)?.version !== expectedVersion) return false;
      products.set(product.id, copyOf(product));
      return true;
    },
    async delete(id) {
      products.delete(id);
    },
    listRecent: async (request) =>
      pageOf(
        "recent",
        listed(() => true),
        request,
      ),
    listByAuthor: async (authorId, request) =>
      pageOf(
        `author:${authorId}`,
        listed((product) => product.authorId === authorId),
        request,
      ),
  };
}
