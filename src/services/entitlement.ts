import type { AppDeps } from "#src/app-deps.ts";
import { notFound } from "#src/domain/errors.ts";
import { type Entitlement, entitlementOf, type Product } from "#src/domain/product.ts";

type EntitlementDeps = Pick<AppDeps, "stores">;

/**
 * The product and what the caller may do with it. A caller who is neither its author nor a buyer
 * gets the same 404 as for a product that does not exist.
 */
export async function getEntitledProductOrThrow(
  deps: EntitlementDeps,
  productId: string,
  callerId: string,
): Promise<{ product: Product; entitlement: Exclude<Entitlement, "none"> }> {
  const product = await deps.stores.products.get(productId);
  if (!product) throw notFound("Product");
  const order = product.authorId === callerId ? null : await deps.stores.orders.get(productId, callerId);
  const entitlement = entitlementOf(product, callerId, order);
  if (entitlement === "none") throw notFound("Product");
  return { product, entitlement };
}

/** The product as it is now, if the caller still wrote or bought it; null otherwise. */
export async function entitledProductOrNull(
  deps: EntitlementDeps,
  productId: string,
  callerId: string,
): Promise<Product | null> {
  const product = await deps.stores.products.get(productId);
  if (!product) return null;
  if (product.authorId === callerId) return product;
  const order = await deps.stores.orders.get(productId, callerId);
  return entitlementOf(product, callerId, order) === "buyer" ? product : null;
}
