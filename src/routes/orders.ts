import { createRoute, z } from "@hono/zod-openapi";
import { requireCaller } from "#src/http/auth.ts";
import { productIdSchema } from "#src/http/field-schemas.ts";
import { createRouter } from "#src/http/router.ts";
import {
  anyCallerSecurity,
  jsonContent,
  PageQuerySchema,
  pageOf,
  problemResponses,
} from "#src/http/schemas.ts";
import { buyProduct, refundOrder } from "#src/services/orders.ts";
import { OrderSchema, orderView } from "./order-schemas.ts";

const ProductIdParams = z.object({ id: productIdSchema.openapi({ param: { name: "id", in: "path" } }) });
const OrderIdParams = z.object({
  id: z
    .string()
    .max(200)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const orderRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/products/{id}/orders",
      operationId: "buyProduct",
      tags: ["orders"],
      summary: "Buy a product (idempotent: buying again answers the existing order)",
      security: anyCallerSecurity,
      request: { params: ProductIdParams },
      responses: {
        201: jsonContent(OrderSchema, "Bought."),
        200: jsonContent(OrderSchema, "Already bought: the existing order."),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "orders:write");
      const { order, created } = await buyProduct(c.get("deps"), caller, c.req.valid("param").id);
      return created ? c.json(orderView(order), 201) : c.json(orderView(order), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/me/orders",
      operationId: "listMyOrders",
      tags: ["orders"],
      summary: "What the caller bought, newest first",
      security: anyCallerSecurity,
      request: { query: PageQuerySchema },
      responses: {
        200: jsonContent(pageOf(OrderSchema), "A page of orders."),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "orders:read");
      const page = await c.get("deps").stores.orders.listByBuyer(caller.userId, c.req.valid("query"));
      return c.json({ items: page.items.map(orderView), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/me/sales",
      operationId: "listMySales",
      tags: ["orders"],
      summary: "What others bought from the caller, newest first",
      security: anyCallerSecurity,
      request: { query: PageQuerySchema },
      responses: {
        200: jsonContent(pageOf(OrderSchema), "A page of sales."),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "orders:read");
      const page = await c.get("deps").stores.orders.listBySeller(caller.userId, c.req.valid("query"));
      return c.json({ items: page.items.map(orderView), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/orders/{id}/refund",
      operationId: "refundOrder",
      tags: ["orders"],
      summary: "Refund an order (seller only): the buyer loses the download and their links stop",
      security: anyCallerSecurity,
      request: { params: OrderIdParams },
      responses: {
        200: jsonContent(OrderSchema, "The refunded order."),
        ...problemResponses(400, 401, 403, 404, 413, 415),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "orders:write");
      const order = await refundOrder(c.get("deps"), caller.userId, c.req.valid("param").id);
      return c.json(orderView(order), 200);
    },
  );
