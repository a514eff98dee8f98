import { createRoute, z } from "@hono/zod-openapi";
import { ACCESS_EVENT_KINDS, CLIENT_CLASSES, HIT_OUTCOMES } from "#src/domain/access-event.ts";
import { EVENT_CSV_COLUMNS, eventCsvRow } from "#src/domain/link-stats.ts";
import { requireCaller } from "#src/http/auth.ts";
import { hashIdSchema, productIdSchema } from "#src/http/field-schemas.ts";
import { createRouter } from "#src/http/router.ts";
import {
  anyCallerSecurity,
  jsonContent,
  PageQuerySchema,
  pageOf,
  problemResponses,
} from "#src/http/schemas.ts";
import { exportLinkEvents, linkStats, listLinkEvents, productStats } from "#src/services/link-events.ts";

export const AccessEventSchema = z
  .object({
    id: z.string(),
    linkId: z.string(),
    productId: z.string(),
    at: z.string().openapi({ format: "date-time" }),
    kind: z.enum(ACCESS_EVENT_KINDS),
    outcome: z
      .enum(HIT_OUTCOMES)
      .optional()
      .openapi({ description: "For downloads and refusals: granted, or why it was refused." }),
    clientId: z
      .string()
      .optional()
      .openapi({ description: "A keyed hash of the client's address: equal for one device, never the IP." }),
    client: z
      .object({ class: z.enum(CLIENT_CLASSES), browser: z.string().optional(), os: z.string().optional() })
      .optional(),
    country: z.string().optional().openapi({ description: "ISO 3166 alpha-2, where the edge tells it." }),
    count: z
      .number()
      .int()
      .min(2)
      .optional()
      .openapi({
        description:
          "A hot link's summary: this many downloads flushed by one instance in one write; client and " +
          "country are those of the last of them. Absent: one download.",
      }),
  })
  .openapi("AccessEvent");

const BucketSchema = z.object({ start: z.string(), downloads: z.number().int() });
export const StatsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    downloads: z.number().int(),
    refusals: z.number().int(),
    distinctClients: z.number().int().openapi({ description: "Distinct devices among the downloads." }),
    perHour: z.array(BucketSchema).openapi({ description: "The window's last 48 hours." }),
    perDay: z.array(BucketSchema),
    topCountries: z.array(z.object({ country: z.string(), downloads: z.number().int() })),
    clientClasses: z.array(z.object({ class: z.enum(CLIENT_CLASSES), downloads: z.number().int() })),
    truncated: z
      .boolean()
      .openapi({ description: "More events than one answer reads: figures are a lower bound." }),
  })
  .openapi("DownloadStats");

const LinkIdParams = z.object({ id: hashIdSchema.openapi({ param: { name: "id", in: "path" } }) });
const ProductIdParams = z.object({ id: productIdSchema.openapi({ param: { name: "id", in: "path" } }) });
const EventsQuery = PageQuerySchema.extend({ outcome: z.enum(HIT_OUTCOMES).optional() });
const StatsQuery = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(90)
    .default(30)
    .openapi({ description: "The window, in days back." }),
});

export const linkEventRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/api/links/{id}/events",
      operationId: "listLinkEvents",
      tags: ["links"],
      summary: "A link's access log, newest first (its maker or the product's author)",
      security: anyCallerSecurity,
      request: { params: LinkIdParams, query: EventsQuery },
      responses: {
        200: jsonContent(pageOf(AccessEventSchema), "A page of events (filtered pages may be short)."),
        ...problemResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:read");
      const page = await listLinkEvents(
        c.get("deps"),
        c.req.valid("param").id,
        caller.userId,
        c.req.valid("query"),
      );
      return c.json({ items: page.items.map(eventView), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/links/{id}/events/export",
      operationId: "exportLinkEvents",
      tags: ["links"],
      summary: "A link's access log as CSV (newest first, up to 10,000 events)",
      security: anyCallerSecurity,
      request: { params: LinkIdParams },
      responses: {
        200: {
          description: "CSV, one event a row, a header row first.",
          content: { "text/csv": { schema: z.string() } },
        },
        ...problemResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:read");
      const { id } = c.req.valid("param");
      const events = await exportLinkEvents(c.get("deps"), id, caller.userId);
      const csv = [EVENT_CSV_COLUMNS.join(","), ...events.map(eventCsvRow)].join("\r\n");
      return c.body(`${csv}\r\n`, 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="link-${id.slice(0, 12)}-events.csv"`,
        "Cache-Control": "private, no-store",
      });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/links/{id}/stats",
      operationId: "getLinkStats",
      tags: ["links"],
      summary: "A link's downloads over time, distinct clients, countries and client classes",
      security: anyCallerSecurity,
      request: { params: LinkIdParams, query: StatsQuery },
      responses: { 200: jsonContent(StatsSchema, "The figures."), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:read");
      const stats = await linkStats(
        c.get("deps"),
        c.req.valid("param").id,
        caller.userId,
        c.req.valid("query").days,
      );
      return c.json(stats, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/products/{id}/stats",
      operationId: "getProductStats",
      tags: ["links"],
      summary: "Downloads through every link to the caller's product",
      security: anyCallerSecurity,
      request: { params: ProductIdParams, query: StatsQuery },
      responses: { 200: jsonContent(StatsSchema, "The figures."), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:read");
      const stats = await productStats(
        c.get("deps"),
        c.req.valid("param").id,
        caller.userId,
        c.req.valid("query").days,
      );
      return c.json(stats, 200);
    },
  );

/** What the API shows of an event: never the owner's id. */
function eventView(event: import("#src/domain/access-event.ts").AccessEvent) {
  const { ownerId: _owner, ...visible } = event;
  return visible;
}
