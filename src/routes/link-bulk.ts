import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireCaller } from "#src/http/auth.ts";
import type { AppEnv } from "#src/http/context.ts";
import { errorAnswer } from "#src/http/errors.ts";
import {
  fileIdSchema,
  hashIdSchema,
  productIdSchema,
  singleLine,
  tagSchema,
} from "#src/http/field-schemas.ts";
import type { Problem } from "#src/http/problem.ts";
import { createRouter } from "#src/http/router.ts";
import {
  anyCallerSecurity,
  jsonBody,
  jsonContent,
  ProblemSchema,
  problemResponses,
} from "#src/http/schemas.ts";
import {
  createLinks,
  type ItemOutcome,
  MAX_BULK_ITEMS,
  revokeLinksByFilter,
  revokeLinksById,
} from "#src/services/link-bulk.ts";
import { CreatedLinkSchema, CreateLinkSchema, createdView, LinkSchema, linkView } from "./links.ts";

const BulkCreateSchema = z
  .strictObject({
    links: z
      .array(CreateLinkSchema)
      .min(1)
      .openapi({
        maxItems: MAX_BULK_ITEMS,
        description: `1 to ${MAX_BULK_ITEMS} links; more is a 422 \`too_many_items\`.`,
      }),
  })
  .openapi("BulkCreateLinks");

const itemResult = <T extends z.ZodTypeAny>(value: T) =>
  z.object({
    index: z.number().int().openapi({ description: "The item's position in the request." }),
    status: z
      .number()
      .int()
      .openapi({ description: "What the single call would have answered (201, 404, 409…)." }),
    link: value.optional(),
    problem: ProblemSchema.optional().openapi({
      description: "Why this item failed; the others are unaffected.",
    }),
  });

const BulkCreateResultSchema = z
  .object({
    items: z.array(itemResult(CreatedLinkSchema)),
    created: z.number().int(),
    failed: z.number().int(),
  })
  .openapi("BulkCreateLinksResult");

const RevokeFilterSchema = z
  .strictObject({
    productId: productIdSchema.optional(),
    fileId: fileIdSchema.optional(),
    tag: tagSchema.optional(),
    recipient: singleLine(200).optional(),
  })
  .refine((filter) => Object.values(filter).some((value) => value !== undefined), "name at least one filter")
  .openapi("RevokeLinksFilter", {
    description: "Your links that are not revoked and match every field given (at least one).",
  });

const BulkRevokeSchema = z
  .strictObject({
    ids: z
      .array(hashIdSchema)
      .min(1)
      .optional()
      .openapi({ maxItems: MAX_BULK_ITEMS, description: `1 to ${MAX_BULK_ITEMS} link ids, revoked now.` }),
    filter: RevokeFilterSchema.optional(),
  })
  .refine((body) => (body.ids === undefined) !== (body.filter === undefined), "send either ids or filter")
  .openapi("BulkRevokeLinks");

const BulkRevokeResultSchema = z
  .object({
    items: z.array(itemResult(LinkSchema).extend({ id: z.string() })),
    revoked: z.number().int(),
    failed: z.number().int(),
  })
  .openapi("BulkRevokeLinksResult");

const RevocationAcceptedSchema = z
  .object({
    revocationId: z.string(),
    filter: RevokeFilterSchema,
    state: z.literal("accepted"),
  })
  .openapi("LinkRevocationAccepted");

/** Each item's answer as the single call would give it: the value, or its problem. */
function itemAnswers<T, V>(
  c: Context<AppEnv>,
  outcomes: ItemOutcome<T>[],
  okStatus: number,
  view: (value: T) => V,
): Array<{ index: number; status: number; link?: V; problem?: Problem }> {
  return outcomes.map((outcome, index) => {
    if (outcome.ok) return { index, status: okStatus, link: view(outcome.value) };
    const answer = errorAnswer(outcome.error, c.get("requestId"), c.get("deps").logger);
    return { index, status: answer.status, problem: JSON.parse(String(answer.body)) as Problem };
  });
}

export const linkBulkRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/links/bulk",
      operationId: "createLinksInBulk",
      tags: ["links"],
      summary: "Create up to 100 links in one call; each item succeeds or fails on its own",
      description:
        "Each item is created as POST /api/links would create it. The answer is 200 whatever the items' " +
        "outcomes: each result carries the status the single call would have answered, and the created " +
        "link (token included, shown only here) or the problem. Send an Idempotency-Key: a retry then " +
        "never creates the batch twice.",
      security: anyCallerSecurity,
      request: { body: jsonBody(BulkCreateSchema) },
      responses: {
        200: jsonContent(BulkCreateResultSchema, "One result per item, in order."),
        ...problemResponses(400, 401, 403, 413, 415, 422),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:write");
      const { links } = c.req.valid("json");
      // Linking a file reads it: a key needs files:read as well, as for one link.
      if (links.some((link) => link.fileId !== undefined)) requireCaller(c, "files:read");
      const outcomes = await createLinks(c.get("deps"), caller, links);
      const items = itemAnswers(c, outcomes, 201, ({ link, token }) =>
        createdView(c, link, token, caller.userId),
      );
      const created = outcomes.filter((outcome) => outcome.ok).length;
      return c.json({ items, created, failed: outcomes.length - created }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/links/revoke",
      operationId: "revokeLinksInBulk",
      tags: ["links"],
      summary: "Revoke links by id (up to 100, now) or by filter (all of yours that match, off the request)",
      description:
        "`ids`: each revoked as DELETE /api/links/{id} would (its maker or the product's author), answered " +
        "per item. `filter`: every link **of yours** that is not revoked and matches (a product, a file, a " +
        "tag, a recipient) is revoked by a worker that walks your links; the call answers 202 at once " +
        "whatever their number, and the links stop within seconds (GET /api/links with the same filter and " +
        "status=active shows what is left). Links made after the call are not included.",
      security: anyCallerSecurity,
      request: { body: jsonBody(BulkRevokeSchema) },
      responses: {
        200: jsonContent(BulkRevokeResultSchema, "By ids: one result per id, in order."),
        202: jsonContent(RevocationAcceptedSchema, "By filter: the revocation is under way."),
        ...problemResponses(400, 401, 403, 413, 415, 422),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:write");
      const deps = c.get("deps");
      const body = c.req.valid("json");
      if (body.filter) {
        const job = await revokeLinksByFilter(deps, caller.userId, body.filter);
        return c.json({ revocationId: job.id, filter: body.filter, state: "accepted" as const }, 202);
      }
      const ids = body.ids ?? [];
      const outcomes = await revokeLinksById(deps, caller.userId, ids);
      const now = deps.clock();
      const items = itemAnswers(c, outcomes, 200, (link) => linkView(link, now, caller.userId)).map(
        (item, index) => ({ ...item, id: ids[index] ?? "" }),
      );
      const revoked = outcomes.filter((outcome) => outcome.ok).length;
      return c.json({ items, revoked, failed: outcomes.length - revoked }, 200);
    },
  );
