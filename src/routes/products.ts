import { createRoute, z } from "@hono/zod-openapi";
import { notFound } from "#src/domain/errors.ts";
import { hasScope } from "#src/domain/scopes.ts";
import { requireCaller } from "#src/http/auth.ts";
import { productIdSchema } from "#src/http/field-schemas.ts";
import { createRouter } from "#src/http/router.ts";
import {
  anyCallerSecurity,
  jsonBody,
  jsonContent,
  optionalCallerSecurity,
  PageQuerySchema,
  pageOf,
  problemResponses,
} from "#src/http/schemas.ts";
import { deliverableUrl, promoImageUrl } from "#src/services/product-files.ts";
import { createProduct, deleteProduct, updateProduct } from "#src/services/products.ts";
import {
  CreateProductSchema,
  ProductDetailSchema,
  ProductSchema,
  productView,
  UpdateProductSchema,
} from "./product-schemas.ts";

const IdParams = z.object({ id: productIdSchema.openapi({ param: { name: "id", in: "path" } }) });
const DownloadSchema = z
  .object({ url: z.string(), expiresAt: z.string() })
  .openapi("Download", { description: "A presigned GET of the deliverable." });
const redirectResponse = (description: string) => ({
  description,
  headers: { Location: { schema: { type: "string" as const }, description: "A presigned S3 URL." } },
});

export const productRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/api/products",
      operationId: "listProducts",
      security: [],
      tags: ["products"],
      summary: "Most recently added products (public)",
      request: { query: PageQuerySchema },
      responses: { 200: jsonContent(pageOf(ProductSchema), "A page of products."), ...problemResponses(400) },
    }),
    async (c) => {
      const page = await c.get("deps").stores.products.listRecent(c.req.valid("query"));
      return c.json({ items: page.items.map(productView), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/me/products",
      operationId: "listMyProducts",
      tags: ["products"],
      summary: "The caller's own products",
      security: anyCallerSecurity,
      request: { query: PageQuerySchema },
      responses: {
        200: jsonContent(pageOf(ProductSchema), "A page of products."),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "products:read");
      const page = await c.get("deps").stores.products.listByAuthor(caller.userId, c.req.valid("query"));
      return c.json({ items: page.items.map(productView), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/products/{id}",
      operationId: "getProduct",
      tags: ["products"],
      summary: "A product's public details, plus the caller's relation to it when signed in",
      security: optionalCallerSecurity,
      request: { params: IdParams },
      responses: {
        200: jsonContent(ProductDetailSchema, "The product."),
        ...problemResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const deps = c.get("deps");
      const product = await deps.stores.products.get(c.req.valid("param").id);
      if (!product) throw notFound("Product");
      const caller = c.get("caller");
      // Whether the caller bought it is order history: an API key needs orders:read to learn it.
      if (!caller || !hasScope(caller, "orders:read")) return c.json(productView(product), 200);
      const isAuthor = product.authorId === caller.userId;
      const order = isAuthor ? null : await deps.stores.orders.get(product.id, caller.userId);
      return c.json(
        { ...productView(product), viewer: { isAuthor, hasBought: order?.status === "active" } },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/products/{id}/image",
      operationId: "getProductImage",
      security: [],
      tags: ["products"],
      summary:
        "The promo image: a redirect to a signed URL that stays the same within a time window (cacheable)",
      request: { params: IdParams },
      responses: { 302: redirectResponse("Redirect to the image."), ...problemResponses(400, 404) },
    }),
    async (c) => {
      const { url, maxAge } = await promoImageUrl(c.get("deps"), c.req.valid("param").id);
      return c.body(null, 302, { Location: url, "Cache-Control": `public, max-age=${maxAge}` });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/products/{id}/download",
      operationId: "downloadProduct",
      tags: ["products"],
      summary: "Download the deliverable (author or buyer): 302, or JSON when Accept asks for it",
      security: anyCallerSecurity,
      request: { params: IdParams },
      responses: {
        200: jsonContent(DownloadSchema, "With Accept: application/json, the signed URL."),
        302: redirectResponse("Redirect to the file, saved under its original name."),
        ...problemResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "products:read");
      const { url, expiresAt } = await deliverableUrl(c.get("deps"), c.req.valid("param").id, caller.userId);
      if (/application\/json/i.test(c.req.header("accept") ?? "")) {
        return c.json({ url, expiresAt }, 200, {
          "Cache-Control": "private, no-store",
        });
      }
      return c.body(null, 302, { Location: url, "Cache-Control": "private, no-store" });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/products",
      operationId: "createProduct",
      tags: ["products"],
      summary: "Add a product from two finished uploads (promo image and deliverable)",
      security: anyCallerSecurity,
      request: { body: jsonBody(CreateProductSchema) },
      responses: {
        201: jsonContent(ProductSchema, "Created."),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "products:write");
      const product = await createProduct(c.get("deps"), caller, c.req.valid("json"));
      return c.json(productView(product), 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/api/products/{id}",
      operationId: "updateProduct",
      tags: ["products"],
      summary: "Edit a product (author only); a file changes only when a new upload is named",
      security: anyCallerSecurity,
      request: { params: IdParams, body: jsonBody(UpdateProductSchema) },
      responses: {
        200: jsonContent(ProductSchema, "The updated product."),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "products:write");
      const product = await updateProduct(
        c.get("deps"),
        caller.userId,
        c.req.valid("param").id,
        c.req.valid("json"),
      );
      return c.json(productView(product), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/products/{id}",
      operationId: "deleteProduct",
      tags: ["products"],
      summary: "Delete a product (author only): its links stop and buyers lose the download",
      security: anyCallerSecurity,
      request: { params: IdParams },
      responses: { 204: { description: "Deleted." }, ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = requireCaller(c, "products:write");
      await deleteProduct(c.get("deps"), caller.userId, c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
