import type { AppDeps } from "#src/app-deps.ts";
import { AppError, notFound } from "#src/domain/errors.ts";
import { type Order, orderIdFor, parseOrderId } from "#src/domain/product.ts";
import { storeLinkJob } from "./link-jobs.ts";

type OrderDeps = Pick<AppDeps, "stores" | "clock" | "linkJobs">;

/** Buys a product; buying again answers the existing order (idempotent). Authors cannot buy their own. */
export async function buyProduct(
  deps: OrderDeps,
  buyer: { userId: string; username: string },
  productId: string,
): Promise<{ order: Order; created: boolean }> {
  const product = await deps.stores.products.get(productId);
  if (!product) throw notFound("Product");
  if (product.authorId === buyer.userId) throw new AppError("conflict", "You cannot buy your own product.");
  const order: Order = {
    id: orderIdFor(productId, buyer.userId),
    productId,
    productTitle: product.title,
    buyerId: buyer.userId,
    buyerName: buyer.username,
    sellerId: product.authorId,
    priceAmount: product.priceAmount,
    currency: product.currency,
    status: "active",
    createdAt: deps.clock().toISOString(),
  };
  const outcome = await deps.stores.orders.place(order);
  if (outcome === "created") return { order, created: true };
  const existing = await deps.stores.orders.get(productId, buyer.userId);
  if (!existing) throw new AppError("conflict", "The order changed meanwhile; try again.");
  return { order: existing, created: false };
}

/**
 * The seller refunds an order: the buyer loses the download at once (it checks the order) and
 * every link they made to it within seconds, however many (docs/decisions/013). The job that
 * revokes the links is stored before the order is marked, so no crash leaves a refunded order
 * with working links; its worker walks only once the mark is there, so a link created meanwhile
 * is either walked or revokes itself in its creator's re-check. Refunding again is harmless and
 * finishes an interrupted refund.
 */
export async function refundOrder(deps: OrderDeps, sellerId: string, orderId: string): Promise<Order> {
  const ids = parseOrderId(orderId);
  if (!ids) throw notFound("Order");
  const order = await deps.stores.orders.get(ids.productId, ids.buyerId);
  if (!order || order.sellerId !== sellerId) throw notFound("Order");
  const job = await storeLinkJob(deps, {
    kind: "revoke-owner",
    productId: ids.productId,
    ownerId: ids.buyerId,
    orderCreatedAt: order.createdAt,
    revokedBy: sellerId,
  });
  const refunded = await deps.stores.orders.markRefunded(ids.productId, ids.buyerId, deps.clock());
  deps.linkJobs.started(job.id);
  if (!refunded) throw notFound("Order");
  return refunded;
}
