import { expect } from "vitest";
import type { ApiKey } from "#src/domain/api-key.ts";
import type { Link } from "#src/domain/link.ts";
import type { Order, Product } from "#src/domain/product.ts";
import { newId } from "#src/domain/token.ts";
import type { Upload } from "#src/domain/upload.ts";
import type { LinkStore, Page, PageRequest } from "#src/storage/ports.ts";

export const t0 = new Date("2026-11-20T12:00:00.000Z");
/** t0 plus some seconds, as an ISO string (the form every stored time has). */
export const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000).toISOString();

export function aLink(overrides: Partial<Link> = {}): Link {
  return {
    id: newId(),
    ownerId: "owner-1",
    productId: newId(),
    productTitle: "A product",
    objectKey: "files/p/deliverable",
    defaultFilename: "file.zip",
    tokenHint: "abcd",
    createdAt: at(0),
    downloadCount: 0,
    ...overrides,
  };
}

export function aProduct(overrides: Partial<Product> = {}): Product {
  const file = { key: "files/p/k", contentType: "application/zip", size: 10, filename: "file.zip" };
  return {
    id: newId(),
    authorId: "author-1",
    authorName: "Author",
    title: "A product",
    description: "Described",
    priceAmount: 500,
    currency: "EUR",
    image: { ...file, key: "files/p/image", contentType: "image/png", filename: "image.png" },
    deliverable: file,
    createdAt: at(0),
    updatedAt: at(0),
    version: 1,
    ...overrides,
  };
}

export function anOrder(overrides: Partial<Order> = {}): Order {
  const productId = overrides.productId ?? newId();
  const buyerId = overrides.buyerId ?? `buyer-${newId()}`;
  return {
    id: `${productId}_${buyerId}`,
    productId,
    productTitle: "A product",
    buyerId,
    buyerName: "Buyer",
    sellerId: "seller-1",
    priceAmount: 500,
    currency: "EUR",
    status: "active",
    createdAt: at(0),
    ...overrides,
  };
}

export function anApiKey(overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: newId(),
    ownerId: "owner-1",
    ownerName: "Owner",
    name: "ci",
    scopes: ["links:read"],
    keyHint: "wxyz",
    createdAt: at(0),
    ...overrides,
  };
}

export function anUpload(overrides: Partial<Upload> = {}): Upload {
  const id = overrides.id ?? newId();
  return {
    id,
    ownerId: "owner-1",
    kind: "deliverable",
    pendingKey: `pending/${id}`,
    contentType: "application/zip",
    size: 10,
    filename: "file.zip",
    createdAt: at(0),
    expiresAt: at(3600),
    ...overrides,
  };
}

/** Every item of a list, page by page through its cursors; also the number of pages it took. */
export async function walk<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
    if (pages > 1000) throw new Error("the cursor never ends");
  } while (cursor);
  return { items, pages };
}

/** Runs `count` calls at once and answers how many of them succeeded. */
export async function concurrently<T>(count: number, call: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => call(i)));
}

let hits = 0;
/** One counted download as a fresh client asks for it (a POST, no grace): the link after it, or null. */
export async function consume(store: LinkStore, id: string, now: Date): Promise<Link | null> {
  hits += 1;
  const result = await store.hit(id, {
    method: "POST",
    client: `contract-client-${hits}`,
    requestId: `contract-hit-${hits}`,
    now,
    defaultGraceSeconds: 0,
  });
  return result.counted ? result.link : null;
}
