import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { ProblemSchema } from "#src/http/schemas.ts";

const TokenParam = z.string().openapi({
  param: { name: "token", in: "path" },
  example: "evg_a4XjP0aQmZr7TtYc1bN9kLw2s3Dq8Fh7Ks2z",
});
const refusals = {
  404: {
    description: "Unknown or malformed token (HTML page for browsers).",
    content: { "application/problem+json": { schema: ProblemSchema }, "text/html": { schema: z.string() } },
  },
  410: {
    description: "Revoked, expired or exhausted (HTML page for browsers).",
    content: { "application/problem+json": { schema: ProblemSchema }, "text/html": { schema: z.string() } },
  },
  429: {
    description: "Too many requests from this client address; retry after the Retry-After delay.",
    content: { "application/problem+json": { schema: ProblemSchema } },
  },
  503: {
    description: "A dependency is unavailable; retry after the Retry-After delay.",
    content: { "application/problem+json": { schema: ProblemSchema } },
  },
};
const redirectHeaders = {
  Location: { schema: { type: "string" as const }, description: "A freshly presigned, short-lived S3 URL." },
  "Cache-Control": {
    schema: { type: "string" as const },
    description: "private, no-store (or private, max-age in caching mode).",
  },
};

/** The OpenAPI description of /l/{token} (the routes themselves are plain Hono, see redirect.ts). */
export function documentRedirectRoutes(registry: OpenAPIHono["openAPIRegistry"]) {
  registry.registerPath({
    method: "get",
    path: "/l/{token}",
    operationId: "followLink",
    security: [],
    tags: ["gateway"],
    summary: "Follow a permanent link",
    description:
      "API clients and curl get a 302 to a presigned URL and the download is counted. Browsers get the redirect too, " +
      "unless the link has a download limit: then a confirm page whose button POSTs here. Link previews, scanners " +
      "and prefetches get a small page and never use up a download.",
    request: { params: z.object({ token: TokenParam }) },
    responses: {
      200: {
        description: "Preview page, or the confirm page for a limited link.",
        content: { "text/html": { schema: z.string() } },
      },
      302: { description: "Redirect to the file.", headers: redirectHeaders },
      ...refusals,
    },
  });
  registry.registerPath({
    method: "head",
    path: "/l/{token}",
    operationId: "checkLink",
    security: [],
    tags: ["gateway"],
    summary: "Check a permanent link without using a download",
    request: { params: z.object({ token: TokenParam }) },
    responses: {
      200: { description: "The link is active." },
      404: { description: "Unknown or malformed token." },
      410: { description: "Revoked, expired or exhausted." },
      429: { description: "Too many requests from this client address." },
      503: { description: "A dependency is unavailable." },
    },
  });
  registry.registerPath({
    method: "post",
    path: "/l/{token}",
    operationId: "confirmLink",
    security: [],
    tags: ["gateway"],
    summary: "Confirm a download of a limited link (the confirm page's form)",
    request: { params: z.object({ token: TokenParam }) },
    responses: { 303: { description: "Redirect to the file.", headers: redirectHeaders }, ...refusals },
  });
}
