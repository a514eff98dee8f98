import { createRoute, z } from "@hono/zod-openapi";
import { type ApiKey, apiKeyStatus } from "#src/domain/api-key.ts";
import { apiKeyScopes } from "#src/domain/scopes.ts";
import { requireUser } from "#src/http/auth.ts";
import { futureDateTime, hashIdSchema, singleLine } from "#src/http/field-schemas.ts";
import { createRouter } from "#src/http/router.ts";
import {
  jsonBody,
  jsonContent,
  PageQuerySchema,
  pageOf,
  problemResponses,
  userSecurity,
} from "#src/http/schemas.ts";
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from "#src/services/api-keys.ts";

const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(apiKeyScopes)),
    keyHint: z.string().openapi({ description: "The last four characters of the key." }),
    createdAt: z.string(),
    lastUsedAt: z.string().optional(),
    expiresAt: z.string().optional(),
    revokedAt: z.string().optional(),
    rotatedAt: z.string().optional().openapi({ description: "When the key last got a new secret." }),
    previousKeyValidUntil: z.string().optional().openapi({
      description:
        "Present while the secret the last rotation replaced still works: until this time, then 401.",
    }),
    status: z.enum(["active", "revoked", "expired"]),
  })
  .openapi("ApiKey");

const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "The API key (evk_…). Shown only in this answer." }),
}).openapi("CreatedApiKey");

const CreateApiKeySchema = z
  .strictObject({
    name: singleLine(100),
    scopes: z
      .array(z.enum(apiKeyScopes))
      .min(1)
      .max(apiKeyScopes.length)
      .refine((scopes) => new Set(scopes).size === scopes.length, "must not repeat a scope")
      .openapi({
        description:
          "What the key may do, as its owner. `links:read`: list and read the owner's links. " +
          "`links:write`: create, change, rotate and revoke links — to **every** deliverable its owner " +
          "may download (each product the owner sells or bought), not to one product: whoever holds " +
          "the key can hand out permanent links to all of them. Keys are not bound to a product list; " +
          "give this scope only to a service you trust with all of its owner's files. " +
          "`products:read` / `products:write`: the owner's products and their downloads; " +
          "`orders:read` / `orders:write`: buy, refund, list orders and sales. " +
          "`files:read` / `files:write`: the owner's own files (upload, list, delete; linking one needs " +
          "`files:read` too). `webhooks:write`: the owner's webhooks.",
      }),
    expiresAt: futureDateTime.optional().openapi({
      description: "When the key stops working by itself (401 after it). Absent: until revoked.",
    }),
  })
  .openapi("CreateApiKey");

const IdParams = z.object({ id: hashIdSchema.openapi({ param: { name: "id", in: "path" } }) });

const RotatedApiKeySchema = CreatedApiKeySchema.extend({
  key: z.string().openapi({ description: "The key's new secret (evk_…). Shown only in this answer." }),
}).openapi("RotatedApiKey");

function apiKeyView(key: ApiKey, now: Date) {
  const {
    ownerId: _owner,
    ownerName: _name,
    secretHash: _secret,
    previousSecretHash: _previous,
    previousSecretValidUntil,
    ...visible
  } = key;
  const status = apiKeyStatus(key, now);
  const previousWorks =
    status === "active" &&
    previousSecretValidUntil !== undefined &&
    Date.parse(previousSecretValidUntil) > now.getTime();
  return {
    ...visible,
    ...(previousWorks ? { previousKeyValidUntil: previousSecretValidUntil } : {}),
    status,
  };
}

/** Keys are managed by a signed-in person only: a key can never mint or list keys. */
export const apiKeyRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/keys",
      operationId: "createApiKey",
      tags: ["api keys"],
      summary: "Create an API key for another service",
      security: userSecurity,
      request: { body: jsonBody(CreateApiKeySchema) },
      responses: {
        201: jsonContent(CreatedApiKeySchema, "Created. The key is shown only here."),
        ...problemResponses(400, 401, 403, 413, 415),
      },
    }),
    async (c) => {
      const caller = requireUser(c);
      const deps = c.get("deps");
      const { key, token } = await createApiKey(deps, caller, c.req.valid("json"));
      return c.json({ ...apiKeyView(key, deps.clock()), key: token }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/keys",
      operationId: "listApiKeys",
      tags: ["api keys"],
      summary: "The caller's API keys, newest first",
      security: userSecurity,
      request: { query: PageQuerySchema },
      responses: {
        200: jsonContent(pageOf(ApiKeySchema), "A page of keys."),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const caller = requireUser(c);
      const deps = c.get("deps");
      const page = await listApiKeys(deps, caller.userId, c.req.valid("query"));
      const now = deps.clock();
      return c.json(
        { items: page.items.map((key) => apiKeyView(key, now)), nextCursor: page.nextCursor },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/keys/{id}/rotate",
      operationId: "rotateApiKey",
      tags: ["api keys"],
      summary: "Give an API key a new secret; the old one works for a short overlap",
      description:
        "Same id, name, scopes and expiry; a new secret, shown only in this answer. The secret it " +
        "replaces keeps working until `previousKeyValidUntil` (API_KEY_ROTATION_OVERLAP_SECONDS, 24 h " +
        "by default), then is a 401. Rotating again within the overlap ends the older secret at once: " +
        "only the current secret and the one just before it ever work. Revoking the key ends both. " +
        "A revoked or expired key is a 409.",
      security: userSecurity,
      request: { params: IdParams },
      responses: {
        200: jsonContent(RotatedApiKeySchema, "Rotated. The new secret is shown only here."),
        ...problemResponses(400, 401, 403, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const caller = requireUser(c);
      const deps = c.get("deps");
      const { key, token } = await rotateApiKey(deps, caller.userId, c.req.valid("param").id);
      return c.json({ ...apiKeyView(key, deps.clock()), key: token }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/keys/{id}",
      operationId: "revokeApiKey",
      tags: ["api keys"],
      summary: "Revoke an API key",
      security: userSecurity,
      request: { params: IdParams },
      responses: {
        200: jsonContent(ApiKeySchema, "The revoked key."),
        ...problemResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const caller = requireUser(c);
      const deps = c.get("deps");
      const revoked = await revokeApiKey(deps, caller.userId, c.req.valid("param").id);
      return c.json(apiKeyView(revoked, deps.clock()), 200);
    },
  );
