import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { WEBHOOK_EVENT_TYPES, type Webhook } from "#src/domain/webhook.ts";
import { requireCaller } from "#src/http/auth.ts";
import { createRouter } from "#src/http/router.ts";
import {
  anyCallerSecurity,
  jsonBody,
  jsonContent,
  PageQuerySchema,
  pageOf,
  problemResponses,
} from "#src/http/schemas.ts";
import {
  createWebhook,
  deleteWebhook,
  getOwnWebhookOrThrow,
  listDeliveries,
  listWebhooks,
  pingWebhook,
  redeliver,
  rotateWebhookSecret,
  updateWebhook,
} from "#src/services/webhooks.ts";
import type { Delivery } from "#src/storage/ports.ts";
import { AccessEventSchema } from "./link-events.ts";

const webhookIdSchema = z
  .string()
  .regex(/^[0-9A-Za-z]{16}$/, "must be a webhook id")
  .openapi({ example: "Wh2mQ0aZr4TtYc1x" });
const deliveryIdSchema = z
  .string()
  .regex(/^\d{17}-[A-Za-z0-9_-]{12}$/, "must be a delivery id")
  .openapi({ example: "20261127120000000-a1B2c3D4e5F6" });
const targetUrl = z.string().min(8).max(2000).openapi({ example: "https://hooks.example.com/evergate" });
const EventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES).openapi("WebhookEventType");

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    eventTypes: z.array(EventTypeSchema),
    enabled: z.boolean(),
    createdAt: z.string(),
    failureStreak: z.number().int().openapi({ description: "Failed attempts in a row." }),
    disabledReason: z.string().optional().openapi({ description: "Why Evergate turned it off, if it did." }),
    previousSecretExpiresAt: z
      .string()
      .optional()
      .openapi({ description: "After a rotation: until when the previous secret signs too." }),
  })
  .openapi("Webhook");

const WebhookWithSecretSchema = WebhookSchema.extend({
  secret: z.string().openapi({ description: "The signing secret (whsec_…). Shown only in this answer." }),
}).openapi("WebhookWithSecret");

const CreateWebhookSchema = z
  .strictObject({
    url: targetUrl,
    eventTypes: z.array(EventTypeSchema).min(1).max(WEBHOOK_EVENT_TYPES.length),
    enabled: z.boolean().optional(),
  })
  .openapi("CreateWebhook");

const UpdateWebhookSchema = z
  .strictObject({
    url: targetUrl.optional(),
    eventTypes: z.array(EventTypeSchema).min(1).max(WEBHOOK_EVENT_TYPES.length).optional(),
    enabled: z.boolean().optional(),
  })
  .openapi("UpdateWebhook");

const DeliverySchema = z
  .object({
    id: z.string(),
    messageId: z.string().openapi({ description: "The webhook-id header: the same on every attempt." }),
    eventType: z.string(),
    createdAt: z.string(),
    state: z.enum(["pending", "delivered", "failed"]),
    nextAttemptAt: z.string().optional(),
    attempts: z.array(
      z.object({
        at: z.string(),
        status: z.number().int().optional(),
        latencyMs: z.number().int(),
        error: z.string().optional(),
      }),
    ),
  })
  .openapi("WebhookDelivery");

const IdParams = z.object({ id: webhookIdSchema.openapi({ param: { name: "id", in: "path" } }) });
const DeliveryParams = IdParams.extend({
  deliveryId: deliveryIdSchema.openapi({ param: { name: "deliveryId", in: "path" } }),
});

function webhookView(webhook: Webhook) {
  const { ownerId: _owner, secrets, ...visible } = webhook;
  const previous = secrets.find((secret) => secret.expiresAt)?.expiresAt;
  return { ...visible, ...(previous ? { previousSecretExpiresAt: previous } : {}) };
}

function deliveryView(delivery: Delivery) {
  const { webhookId: _webhook, payload: _payload, ...visible } = delivery;
  return { ...visible, ...(delivery.nextAttemptAt ? {} : { nextAttemptAt: undefined }) };
}

const tags = ["webhooks"];

export const webhookRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/webhooks",
      operationId: "createWebhook",
      tags,
      summary: "Subscribe a URL to events (https; signed per Standard Webhooks)",
      security: anyCallerSecurity,
      request: { body: jsonBody(CreateWebhookSchema) },
      responses: {
        201: jsonContent(WebhookWithSecretSchema, "Created. The secret is shown only here."),
        ...problemResponses(400, 401, 403, 413, 415),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "webhooks:write");
      const { webhook, secret } = await createWebhook(c.get("deps"), caller.userId, c.req.valid("json"));
      return c.json({ ...webhookView(webhook), secret }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/webhooks",
      operationId: "listWebhooks",
      tags,
      summary: "The caller's webhooks",
      security: anyCallerSecurity,
      request: { query: PageQuerySchema },
      responses: {
        200: jsonContent(pageOf(WebhookSchema), "A page of webhooks."),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "webhooks:write");
      const page = await listWebhooks(c.get("deps"), caller.userId, c.req.valid("query"));
      return c.json({ items: page.items.map(webhookView), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/webhooks/{id}",
      operationId: "getWebhook",
      tags,
      summary: "One of the caller's webhooks",
      security: anyCallerSecurity,
      request: { params: IdParams },
      responses: { 200: jsonContent(WebhookSchema, "The webhook."), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = requireCaller(c, "webhooks:write");
      return c.json(
        webhookView(await getOwnWebhookOrThrow(c.get("deps"), c.req.valid("param").id, caller.userId)),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/api/webhooks/{id}",
      operationId: "updateWebhook",
      tags,
      summary: "Change a webhook's URL or event types, or turn it off or on again",
      security: anyCallerSecurity,
      request: { params: IdParams, body: jsonBody(UpdateWebhookSchema) },
      responses: {
        200: jsonContent(WebhookSchema, "The updated webhook."),
        ...problemResponses(400, 401, 403, 404, 413, 415),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "webhooks:write");
      const webhook = await updateWebhook(
        c.get("deps"),
        c.req.valid("param").id,
        caller.userId,
        c.req.valid("json"),
      );
      return c.json(webhookView(webhook), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/webhooks/{id}",
      operationId: "deleteWebhook",
      tags,
      summary: "Delete a webhook (waiting deliveries are dropped)",
      security: anyCallerSecurity,
      request: { params: IdParams },
      responses: { 204: { description: "Deleted." }, ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = requireCaller(c, "webhooks:write");
      await deleteWebhook(c.get("deps"), c.req.valid("param").id, caller.userId);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/webhooks/{id}/rotate-secret",
      operationId: "rotateWebhookSecret",
      tags,
      summary: "A new signing secret (shown once); the previous one signs too for 24 hours",
      security: anyCallerSecurity,
      request: { params: IdParams },
      responses: {
        200: jsonContent(WebhookWithSecretSchema, "The new secret, shown only here."),
        ...problemResponses(400, 401, 403, 404, 413, 415),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "webhooks:write");
      const { webhook, secret } = await rotateWebhookSecret(
        c.get("deps"),
        c.req.valid("param").id,
        caller.userId,
      );
      return c.json({ ...webhookView(webhook), secret }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/webhooks/{id}/deliveries",
      operationId: "listWebhookDeliveries",
      tags,
      summary: "A webhook's delivery log, newest first: attempts, status codes, latency",
      security: anyCallerSecurity,
      request: { params: IdParams, query: PageQuerySchema },
      responses: {
        200: jsonContent(pageOf(DeliverySchema), "A page of deliveries."),
        ...problemResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "webhooks:write");
      const page = await listDeliveries(
        c.get("deps"),
        c.req.valid("param").id,
        caller.userId,
        c.req.valid("query"),
      );
      return c.json({ items: page.items.map(deliveryView), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/webhooks/{id}/deliveries/{deliveryId}/redeliver",
      operationId: "redeliverWebhook",
      tags,
      summary: "Try a delivery once more, now",
      security: anyCallerSecurity,
      request: { params: DeliveryParams },
      responses: {
        202: jsonContent(DeliverySchema, "Queued; the attempt appears in the log."),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "webhooks:write");
      const { id, deliveryId } = c.req.valid("param");
      return c.json(deliveryView(await redeliver(c.get("deps"), id, deliveryId, caller.userId)), 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/webhooks/{id}/ping",
      operationId: "pingWebhook",
      tags,
      summary: "Send a signed webhook.ping to the receiver",
      security: anyCallerSecurity,
      request: { params: IdParams },
      responses: {
        202: jsonContent(DeliverySchema, "Queued; the attempt appears in the log."),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "webhooks:write");
      return c.json(
        deliveryView(await pingWebhook(c.get("deps"), c.req.valid("param").id, caller.userId)),
        202,
      );
    },
  );

const signedHeaders = z.object({
  "webhook-id": z
    .string()
    .openapi({ description: "Unique per message; the same on every retry: de-duplicate by it." }),
  "webhook-timestamp": z
    .string()
    .openapi({ description: "Seconds since the epoch, when this attempt was signed." }),
  "webhook-signature": z
    .string()
    .openapi({ description: "Space-separated `v1,<base64 HMAC-SHA256>`: one per active secret." }),
});

const payloadOf = (type: string, data: z.ZodTypeAny) =>
  z
    .object({ type: z.literal(type), timestamp: z.string(), data })
    .openapi(`${type.replace(/\./g, "_")}_payload`);

const LinkEventData = AccessEventSchema;
const OrderData = z.object({ orderId: z.string(), productId: z.string() });
const ProductData = z.object({ productId: z.string(), title: z.string(), version: z.number().int() });

/** The OpenAPI 3.1 top-level `webhooks`: what receivers get, one entry per event type. */
export function registerWebhookDocs(registry: OpenAPIHono["openAPIRegistry"]) {
  registry.registerComponent("securitySchemes", "webhookSignature", {
    type: "apiKey",
    in: "header",
    name: "webhook-signature",
    description:
      "Standard Webhooks: HMAC-SHA256 with the webhook's secret over `{webhook-id}.{webhook-timestamp}.{body}`. " +
      "Verify it (e.g. the standardwebhooks package) and refuse a timestamp older than 5 minutes.",
  });
  const types: Array<[string, z.ZodTypeAny]> = [
    ...WEBHOOK_EVENT_TYPES.filter((type) => type.startsWith("link.")).map(
      (type) => [type, LinkEventData] as [string, z.ZodTypeAny],
    ),
    ["order.created", OrderData],
    ["order.refunded", OrderData],
    ["product.updated", ProductData],
    ["product.deleted", ProductData],
    ["webhook.ping", z.object({ webhookId: z.string() })],
  ];
  for (const [type, data] of types) {
    registry.registerWebhook({
      method: "post",
      path: type,
      operationId: `webhook_${type.replace(/\./g, "_")}`,
      tags,
      summary: `${type}: POSTed to subscribed webhooks, signed per Standard Webhooks`,
      security: [{ webhookSignature: [] }],
      request: { headers: signedHeaders, body: jsonBody(payloadOf(type, data)) },
      responses: { 200: { description: "Any 2xx acknowledges; anything else is retried on the schedule." } },
    });
  }
}
