import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type Link, linkStatus, linkSubject, MAX_CLIENTS } from "#src/domain/link.ts";
import { canonicalNetwork, MAX_ALLOWED_NETWORKS } from "#src/domain/networks.ts";
import { PASSPHRASE_MAX_CHARS, PASSPHRASE_MIN_CHARS } from "#src/domain/passphrase.ts";
import { requireCaller } from "#src/http/auth.ts";
import type { AppEnv } from "#src/http/context.ts";
import {
  externalIdSchema,
  fileIdSchema,
  futureDateTime,
  hashIdSchema,
  productIdSchema,
  singleLine,
  tagSchema,
  tagsSchema,
} from "#src/http/field-schemas.ts";
import { createRouter } from "#src/http/router.ts";
import {
  anyCallerSecurity,
  jsonBody,
  jsonContent,
  PageQuerySchema,
  pageOf,
  problemResponses,
} from "#src/http/schemas.ts";
import { publicBaseUrl } from "#src/http/urls.ts";
import {
  createLinkTo,
  getManageableLinkOrThrow,
  listOwnLinks,
  listProductLinks,
  resetLinkClients,
  revokeLink,
  rotateLink,
  subjectOf,
  updateLink,
} from "#src/services/links.ts";

/** One definition each for the limits a link may carry, in what it shows and what it takes. */
const maxDownloadsSchema = z.number().int().min(1).max(1_000_000);

const graceSecondsSchema = z
  .number()
  .int()
  .min(0)
  .max(86_400)
  .openapi({
    description:
      "Resume grace in seconds (0 = off): for this long after a counted download, the same client " +
      "(network and User-Agent) gets the file again without counting. Unset: the deployment's " +
      "LINK_GRACE_SECONDS (900). null in an update returns to that default.",
  });

const passphraseSchema = z
  .string()
  .min(PASSPHRASE_MIN_CHARS)
  .max(PASSPHRASE_MAX_CHARS)
  .openapi({
    description:
      "A passphrase the holder must give: typed on the confirm page, or sent by API clients in the " +
      "`Evergate-Passphrase` header of a POST. Kept only as a scrypt hash; never shown again. " +
      "A passphrase link never redirects on a GET. null in an update removes it.",
  });

const allowedNetworksSchema = z
  .array(
    z
      .string()
      .max(64)
      .transform((raw, context) => {
        const network = canonicalNetwork(raw);
        if (network === null) {
          context.addIssue({
            code: "custom",
            message: "must be an IPv4 or IPv6 CIDR block, e.g. 203.0.113.0/24",
          });
          return z.NEVER;
        }
        return network;
      }),
  )
  .min(1)
  .max(MAX_ALLOWED_NETWORKS)
  .transform((networks) => [...new Set(networks)])
  .openapi({
    description:
      "CIDR blocks (IPv4 and IPv6) the link may be used from; a bare address is its /32 or /128. " +
      "Stored in canonical form. Unset: anywhere. null in an update removes the list.",
  });

const maxClientsSchema = z
  .number()
  .int()
  .min(1)
  .max(MAX_CLIENTS)
  .openapi({
    description:
      "Device limit: only the first N distinct clients (network and User-Agent, the resume grace's " +
      "notion) may ever use the link; the next ones get 403 `link_device_limit`. A GET never binds " +
      "a client: like a download limit, it needs a POST. Reset with DELETE /api/links/{id}/clients.",
  });

export const LinkSchema = z
  .object({
    id: z.string(),
    productId: z
      .string()
      .optional()
      .openapi({ description: "A product link's product (absent on a file link)." }),
    productTitle: z.string().optional(),
    target: z
      .union([
        z.object({ kind: z.literal("productDeliverable"), productId: z.string(), productTitle: z.string() }),
        z.object({ kind: z.literal("file"), fileId: z.string(), filename: z.string() }),
      ])
      .openapi({
        description: "What the link serves: a product's deliverable, or one of the caller's files.",
      }),
    ownedByCaller: z.boolean(),
    ownerName: z.string().optional().openapi({
      description: "The username of whoever made the link (absent on links made before it was kept).",
    }),
    sellerName: z.string().optional().openapi({
      description:
        "The username of the product's seller, as the confirm page shows it (absent on older links).",
    }),
    fileSize: z.number().int().optional().openapi({
      description: "The served file's size in bytes, kept in step with the product (absent on older links).",
    }),
    label: z.string().optional(),
    recipient: z.string().optional(),
    filename: z.string().optional(),
    tokenHint: z.string().openapi({ description: "The last four characters of the token." }),
    createdAt: z.string(),
    expiresAt: z.string().optional(),
    maxDownloads: maxDownloadsSchema.optional(),
    graceSeconds: graceSecondsSchema.optional(),
    passphraseProtected: z.boolean().openapi({ description: "Whether the link asks for a passphrase." }),
    allowedNetworks: z.array(z.string()).optional(),
    maxClients: maxClientsSchema.optional(),
    boundClients: z
      .number()
      .int()
      .optional()
      .openapi({ description: "How many clients the device limit has bound so far." }),
    downloadCount: z.number().int(),
    lastDownloadAt: z.string().optional(),
    tags: z.array(z.string()).optional(),
    externalId: z.string().optional(),
    status: z.enum(["active", "revoked", "expired", "exhausted"]),
    revokedAt: z.string().optional(),
    revokedBy: z.string().optional(),
  })
  .openapi("Link");

export const CreatedLinkSchema = LinkSchema.extend({
  token: z.string().openapi({ description: "The full token. Shown only in this answer." }),
  url: z.string().openapi({ description: "The permanent link: share it." }),
}).openapi("CreatedLink");

export const CreateLinkSchema = z
  .strictObject({
    productId: productIdSchema.optional().openapi({
      description: "Link a product's deliverable (its author or a buyer). Exactly one of productId, fileId.",
    }),
    fileId: fileIdSchema
      .optional()
      .openapi({ description: "Link one of the caller's own ready files (ADR 026)." }),
    label: singleLine(100).optional(),
    expiresAt: futureDateTime.optional(),
    maxDownloads: maxDownloadsSchema.optional(),
    graceSeconds: graceSecondsSchema.optional(),
    passphrase: passphraseSchema.optional(),
    allowedNetworks: allowedNetworksSchema.optional(),
    maxClients: maxClientsSchema.optional(),
    filename: singleLine(200).optional(),
    recipient: singleLine(200).optional().openapi({ description: "Who the link is for (a note)." }),
    tags: tagsSchema.optional(),
    externalId: externalIdSchema.optional(),
  })
  .openapi("CreateLink");

const UpdateLinkSchema = z
  .strictObject({
    label: singleLine(100).nullable().optional(),
    expiresAt: futureDateTime.nullable().optional(),
    maxDownloads: maxDownloadsSchema.nullable().optional(),
    graceSeconds: graceSecondsSchema.nullable().optional(),
    passphrase: passphraseSchema.nullable().optional(),
    allowedNetworks: allowedNetworksSchema.nullable().optional(),
    maxClients: maxClientsSchema.nullable().optional(),
    tags: tagsSchema.nullable().optional(),
  })
  .openapi("UpdateLink");

const LinkListQuerySchema = PageQuerySchema.extend({
  status: z.enum(["active", "revoked", "expired", "exhausted"]).optional(),
  productId: productIdSchema.optional(),
  fileId: fileIdSchema.optional().openapi({ description: "Links to one of your files." }),
  tag: tagSchema.optional(),
  recipient: singleLine(200).optional().openapi({ description: "Exactly this recipient." }),
  externalId: externalIdSchema.optional().openapi({ description: "The one link with this externalId." }),
  q: singleLine(100).optional().openapi({ description: "Text in the label or recipient (any case)." }),
});

const LinkIdParams = z.object({ id: hashIdSchema.openapi({ param: { name: "id", in: "path" } }) });
const ProductIdParams = z.object({ id: productIdSchema.openapi({ param: { name: "id", in: "path" } }) });

export function linkView(link: Link, now: Date, callerId: string): z.infer<typeof LinkSchema> {
  const {
    objectKey: _key,
    defaultFilename: _name,
    ownerId,
    fileId: _file,
    passphraseHash,
    passphraseFails: _fails,
    passphraseFailsSince: _since,
    boundClients,
    ...visible
  } = link;
  const common = {
    ownedByCaller: ownerId === callerId,
    status: linkStatus(link, now),
    passphraseProtected: passphraseHash !== undefined,
    ...(link.maxClients !== undefined ? { boundClients: boundClients?.length ?? 0 } : {}),
  };
  const subject = linkSubject(link);
  if (subject.kind === "file") {
    const { productId: _id, productTitle: _title, ...fileLink } = visible;
    return {
      ...fileLink,
      ...common,
      target: { kind: "file" as const, fileId: subject.fileId, filename: link.defaultFilename },
    };
  }
  return {
    ...visible,
    ...common,
    target: {
      kind: "productDeliverable" as const,
      productId: link.productId,
      productTitle: link.productTitle,
    },
  };
}

export function createdView(c: Context<AppEnv>, link: Link, token: string, callerId: string) {
  return { ...linkView(link, c.get("deps").clock(), callerId), token, url: `${publicBaseUrl(c)}/l/${token}` };
}

export const linkRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/links",
      operationId: "createLink",
      tags: ["links"],
      summary:
        "Create a permanent link to a product's deliverable (author or buyer) or to one of the caller's files",
      description:
        "Each caller may hold at most MAX_ACTIVE_LINKS_PER_PRODUCT (default 1,000) links to one product " +
        "that are not revoked; one more is a 409 problem with code `link_limit_reached`. Revoking a " +
        "link frees its slot; an expired or used-up link keeps it (it can be changed back to active).",
      security: anyCallerSecurity,
      request: { body: jsonBody(CreateLinkSchema) },
      responses: {
        201: jsonContent(CreatedLinkSchema, "Created. The token is shown only here."),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:write");
      const { productId, fileId, ...settings } = c.req.valid("json");
      // Linking a file reads it: a key needs files:read as well.
      if (fileId !== undefined) requireCaller(c, "files:read");
      const { link, token } = await createLinkTo(
        c.get("deps"),
        caller.userId,
        subjectOf({ productId, fileId }),
        settings,
        caller.username,
      );
      return c.json(createdView(c, link, token, caller.userId), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/links",
      operationId: "listLinks",
      tags: ["links"],
      summary: "The caller's links, newest first, optionally filtered",
      description:
        "Filters combine (AND). `externalId` finds the one link holding it. Any other filter walks your " +
        "links newest first and looks at 500 of them at most per page, so a filtered page may hold fewer " +
        "than `limit` items (even none) and still carry a `nextCursor`: follow it until it is absent. " +
        "Cursors are signed and bound to the filters of the first page: send the same filters with them.",
      security: anyCallerSecurity,
      request: { query: LinkListQuerySchema },
      responses: {
        200: jsonContent(pageOf(LinkSchema), "A page of links."),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:read");
      const deps = c.get("deps");
      const page = await listOwnLinks(deps, caller.userId, c.req.valid("query"));
      const now = deps.clock();
      return c.json(
        { items: page.items.map((l) => linkView(l, now, caller.userId)), nextCursor: page.nextCursor },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/links/{id}",
      operationId: "getLink",
      tags: ["links"],
      summary: "One link (its maker or the product's author)",
      security: anyCallerSecurity,
      request: { params: LinkIdParams },
      responses: { 200: jsonContent(LinkSchema, "The link."), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:read");
      const deps = c.get("deps");
      const link = await getManageableLinkOrThrow(deps, c.req.valid("param").id, caller.userId);
      return c.json(linkView(link, deps.clock(), caller.userId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/api/links/{id}",
      operationId: "updateLink",
      tags: ["links"],
      summary: "Change a link's label, expiry or download limit (null clears)",
      security: anyCallerSecurity,
      request: { params: LinkIdParams, body: jsonBody(UpdateLinkSchema) },
      responses: {
        200: jsonContent(LinkSchema, "The updated link."),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:write");
      const deps = c.get("deps");
      const link = await updateLink(deps, c.req.valid("param").id, caller.userId, c.req.valid("json"));
      return c.json(linkView(link, deps.clock(), caller.userId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/links/{id}",
      operationId: "revokeLink",
      tags: ["links"],
      summary: "Revoke a link (its maker or the product's author); the record stays",
      security: anyCallerSecurity,
      request: { params: LinkIdParams },
      responses: {
        200: jsonContent(LinkSchema, "The revoked link."),
        ...problemResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:write");
      const deps = c.get("deps");
      const link = await revokeLink(deps, c.req.valid("param").id, caller.userId);
      return c.json(linkView(link, deps.clock(), caller.userId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/links/{id}/clients",
      operationId: "resetLinkClients",
      tags: ["links"],
      summary: "Forget the clients a device limit bound, so new ones may use the link (its maker)",
      security: anyCallerSecurity,
      request: { params: LinkIdParams },
      responses: {
        200: jsonContent(LinkSchema, "The link, with no client bound."),
        ...problemResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:write");
      const deps = c.get("deps");
      const link = await resetLinkClients(deps, c.req.valid("param").id, caller.userId);
      return c.json(linkView(link, deps.clock(), caller.userId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/links/{id}/rotate",
      operationId: "rotateLink",
      tags: ["links"],
      summary: "Revoke a link and issue a new token with the same settings",
      security: anyCallerSecurity,
      request: { params: LinkIdParams },
      responses: {
        201: jsonContent(CreatedLinkSchema, "The new link. Its token is shown only here."),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:write");
      const { link, token } = await rotateLink(c.get("deps"), c.req.valid("param").id, caller.userId);
      return c.json(createdView(c, link, token, caller.userId), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/products/{id}/links",
      operationId: "listProductLinks",
      tags: ["links"],
      summary: "Every link to the caller's product, whoever made it (never the token)",
      security: anyCallerSecurity,
      request: { params: ProductIdParams, query: PageQuerySchema },
      responses: {
        200: jsonContent(pageOf(LinkSchema), "A page of links."),
        ...problemResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "links:read");
      const deps = c.get("deps");
      const page = await listProductLinks(deps, c.req.valid("param").id, caller.userId, c.req.valid("query"));
      const now = deps.clock();
      return c.json(
        { items: page.items.map((l) => linkView(l, now, caller.userId)), nextCursor: page.nextCursor },
        200,
      );
    },
  );
