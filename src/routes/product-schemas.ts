import { z } from "@hono/zod-openapi";
import { MAX_CLIENTS } from "#src/domain/link.ts";
import type { Product } from "#src/domain/product.ts";
import { multiLine, singleLine } from "#src/http/field-schemas.ts";

export const PriceSchema = z
  .strictObject({
    amount: z
      .number()
      .int()
      .min(0)
      .max(100_000_000)
      .openapi({ description: "Integer minor units (cents).", example: 1999 }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code")
      .openapi({ example: "USD" }),
  })
  .openapi("Price");

const defaultMaxClientsSchema = z
  .number()
  .int()
  .min(1)
  .max(MAX_CLIENTS)
  .openapi({
    description:
      "The device limit (a link's maxClients) for links buyers make to this product: applied when a " +
      "buyer names none; a buyer may choose a lower one, never a higher one or none (422 " +
      "policy_violation, rule sellerMaxClients). Links made before it is set or changed keep theirs. " +
      "null in an update removes it.",
  });

export const ProductSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    price: PriceSchema,
    author: z.object({ id: z.string(), name: z.string() }),
    imageUrl: z
      .string()
      .openapi({ description: "Redirects to a short-lived, cacheable signed URL of the promo image." }),
    deliverable: z.object({ filename: z.string(), size: z.number().int(), contentType: z.string() }),
    defaultMaxClients: defaultMaxClientsSchema.optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi("Product");

export const ProductDetailSchema = ProductSchema.extend({
  viewer: z
    .object({ isAuthor: z.boolean(), hasBought: z.boolean() })
    .openapi({ description: "Only for a signed-in caller (an API key needs orders:read)." })
    .optional(),
}).openapi("ProductDetail");

export const CreateProductSchema = z
  .strictObject({
    title: singleLine(120),
    description: multiLine(5000),
    price: PriceSchema,
    imageUploadId: z.string().regex(/^[0-9A-Za-z]{16}$/, "must be an upload id"),
    deliverableUploadId: z.string().regex(/^[0-9A-Za-z]{16}$/, "must be an upload id"),
    defaultMaxClients: defaultMaxClientsSchema.optional(),
  })
  .openapi("CreateProduct");

export const UpdateProductSchema = z
  .strictObject({
    title: singleLine(120).optional(),
    description: multiLine(5000).optional(),
    price: PriceSchema.optional(),
    imageUploadId: z
      .string()
      .regex(/^[0-9A-Za-z]{16}$/, "must be an upload id")
      .optional(),
    deliverableUploadId: z
      .string()
      .regex(/^[0-9A-Za-z]{16}$/, "must be an upload id")
      .optional(),
    defaultMaxClients: defaultMaxClientsSchema.nullable().optional(),
    version: z
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({ description: "The version you edited; 409 if it changed." }),
  })
  .openapi("UpdateProduct");

export function productView(product: Product) {
  return {
    id: product.id,
    title: product.title,
    description: product.description,
    price: { amount: product.priceAmount, currency: product.currency },
    author: { id: product.authorId, name: product.authorName },
    imageUrl: `/api/products/${product.id}/image?v=${product.version}`,
    deliverable: {
      filename: product.deliverable.filename,
      size: product.deliverable.size,
      contentType: product.deliverable.contentType,
    },
    ...(product.defaultMaxClients === undefined ? {} : { defaultMaxClients: product.defaultMaxClients }),
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
    version: product.version,
  };
}
