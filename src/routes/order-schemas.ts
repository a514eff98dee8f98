import { z } from "@hono/zod-openapi";
import type { Order } from "#src/domain/product.ts";
import { PriceSchema } from "./product-schemas.ts";

export const OrderSchema = z
  .object({
    id: z.string(),
    productId: z.string(),
    productTitle: z.string(),
    buyer: z.object({ id: z.string(), name: z.string() }),
    sellerId: z.string(),
    price: PriceSchema,
    status: z.enum(["active", "refunded"]),
    createdAt: z.string(),
    refundedAt: z.string().optional(),
  })
  .openapi("Order");

export function orderView(order: Order) {
  return {
    id: order.id,
    productId: order.productId,
    productTitle: order.productTitle,
    buyer: { id: order.buyerId, name: order.buyerName },
    sellerId: order.sellerId,
    price: { amount: order.priceAmount, currency: order.currency },
    status: order.status,
    createdAt: order.createdAt,
    refundedAt: order.refundedAt,
  };
}
