import { createRoute, z } from "@hono/zod-openapi";
import type { ApiKey } from "#src/domain/api-key.ts";
import { notFound } from "#src/domain/errors.ts";
import { apiKeyScopes } from "#src/domain/scopes.ts";
import { mintToken } from "#src/domain/token.ts";
import { requireUser } from "#src/http/auth.ts";
import { hashIdSchema, singleLine } from "#src/http/field-schemas.ts";
import { createRouter } from "#src/http/router.ts";
import {
  jsonBody,
  jsonContent,
  PageQuerySchema,
  pageOf,
  problemResponses,
  userSecurity,
} from "#src/http/schemas.ts";

const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(apiKeyScopes)),
    keyHint: z.string().openapi({ description: "The last four characters of the key." }),
    createdAt: z.string(),
    lastUsedAt: z.string().optional(),
    revokedAt: z.string().optional(),
    status: z.enum(["active", "revoked"]),
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
          "`orders:read` / `orders:write`: buy, refund, list orders and sales.",
      }),
  })
  .openapi("CreateApiKey");

const IdParams = z.object({ id: hashIdSchema.openapi({ param: { name: "id", in: "path" } }) });

function apiKeyView(key: ApiKey) {
  const { ownerId: _owner, ownerName: _name, ...visible } = key;
  return { ...visible, status: key.revokedAt ? ("revoked" as const) : ("active" as const) };
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
      const body = c.req.valid("json");
      const { token, hash, hint } = mintToken("apiKey", deps.config.TOKEN_KEYS);
      const key: ApiKey = {
        id: hash,
        ownerId: caller.userId,
        ownerName: caller.username,
        name: body.name,
        scopes: body.scopes,
        keyHint: hint,
        createdAt: deps.clock().toISOString(),
      };
      await deps.stores.apiKeys.put(key);
      return c.json({ ...apiKeyView(key), key: token }, 201);
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
      const page = await c.get("deps").stores.apiKeys.listByOwner(caller.userId, c.req.valid("query"));
      return c.json({ items: page.items.map(apiKeyView), nextCursor: page.nextCursor }, 200);
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
      const id = c.req.valid("param").id;
      const existing = await deps.stores.apiKeys.get(id);
      if (!existing || existing.ownerId !== caller.userId) throw notFound("API key");
      const revoked = await deps.stores.apiKeys.revoke(id, deps.clock());
      if (!revoked) throw notFound("API key");
      return c.json(apiKeyView(revoked), 200);
    },
  );
