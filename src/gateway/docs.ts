import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { ProblemSchema } from "#src/http/schemas.ts";

const TokenParam = z.string().openapi({
  param: { name: "token", in: "path" },
  example: "evg_a4XjP0aQmZr7TtYc1bN9kLw2s3Dq8Fh7Ks2z",
});
const LinkGoneSchema = ProblemSchema.extend({
  reason: z.enum(["revoked", "expired", "exhausted"]).openapi({
    description: "Why the link stopped, for the person holding it. Unknown tokens are a 404 without one.",
  }),
}).openapi("LinkGoneProblem");
const counting =
  "Counting (README, docs/decisions/012): one conditional write per hit. Only a POST spends a limited link. " +
  "The same client (network and User-Agent) asking again within the link's resume grace (graceSeconds, default " +
  "LINK_GRACE_SECONDS = 900 s) gets a fresh URL without counting, as does a retry of a write that already applied.";
const refusals = {
  404: {
    description: "Unknown or malformed token (HTML page for browsers).",
    content: { "application/problem+json": { schema: ProblemSchema }, "text/html": { schema: z.string() } },
  },
  410: {
    description: "Revoked, expired or exhausted: `reason` (and the HTML page for browsers) says which.",
    content: { "application/problem+json": { schema: LinkGoneSchema }, "text/html": { schema: z.string() } },
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
      "Without a download limit every client gets a 302 to a presigned URL, counted. With one, a GET never " +
      "spends it: a browser gets a confirm page whose button POSTs here, any other client a 409 saying to POST " +
      "(`curl -L -d '' URL`). Link previews, scanners and prefetches get a small page and never count. " +
      counting,
    request: { params: z.object({ token: TokenParam }) },
    responses: {
      200: {
        description: "Preview page, or the confirm page for a limited link.",
        content: { "text/html": { schema: z.string() } },
      },
      302: { description: "Redirect to the file.", headers: redirectHeaders },
      409: {
        description:
          "The link has a download limit and this is a GET: ask with a POST (`confirmation_required`).",
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
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
    summary: "Ask for the download explicitly (the confirm page's form; curl -L -d '' URL)",
    description: `The only way to spend a limited link. ${counting}`,
    request: { params: z.object({ token: TokenParam }) },
    responses: {
      200: {
        description:
          "To a browser (Accept: text/html): a small page (Your download is starting) that goes to the " +
          "presigned URL by a meta refresh, with a link to it. A 303 to another origin after a form POST " +
          "would be blocked by the form-action CSP of the page in Chromium.",
        content: { "text/html": { schema: z.string() } },
      },
      303: { description: "Redirect to the file (clients that are not browsers).", headers: redirectHeaders },
      413: {
        description: "The body is larger than a confirm form (a passphrase field) can be; it is not read.",
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
      ...refusals,
    },
  });
}
