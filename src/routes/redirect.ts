import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { downloadFilename } from "#src/domain/link.ts";
import { classifyLinkClient } from "#src/domain/link-client.ts";
import type { AppEnv } from "#src/http/context.ts";
import { confirmPage, linkPageHeaders, previewPage, refusalPage } from "#src/http/link-pages.ts";
import { problemFor, problemResponse } from "#src/http/problem.ts";
import { createRouter } from "#src/http/router.ts";
import { ProblemSchema } from "#src/http/schemas.ts";
import { consumeLink, peekLink } from "#src/services/redirect.ts";

const wantsHtml = (c: Context<AppEnv>) => /text\/html/i.test(c.req.header("accept") ?? "");

/** 404 and 410 look the same for every unknown token: same body shape, no hint it ever existed. */
function refuse(c: Context<AppEnv>, status: 404 | 410, head = false): Response {
  if (wantsHtml(c)) {
    return new Response(head ? null : refusalPage(status), { status, headers: linkPageHeaders });
  }
  const problem =
    status === 404
      ? problemFor("not_found", "No such link.", c.get("requestId"))
      : problemFor(
          "link_gone",
          "This link was revoked, has expired or has no downloads left.",
          c.get("requestId"),
        );
  const response = problemResponse(problem, { "Cache-Control": "private, no-store" });
  return head ? new Response(null, { status, headers: response.headers }) : response;
}

function htmlPage(body: string | null, status = 200): Response {
  return new Response(body, { status, headers: linkPageHeaders });
}

async function redirectToFile(c: Context<AppEnv>, status: 302 | 303): Promise<Response> {
  const result = await consumeLink(c.get("deps"), c.req.param("token") ?? "");
  if (result.kind === "unknown") return refuse(c, 404);
  if (result.kind === "gone") return refuse(c, 410);
  return new Response(null, {
    status,
    headers: {
      Location: result.url,
      "Cache-Control":
        result.cacheSeconds > 0 ? `private, max-age=${result.cacheSeconds}` : "private, no-store",
      "Referrer-Policy": "no-referrer",
    },
  });
}

export const redirectRoutes = createRouter();

redirectRoutes.on(["GET", "HEAD"], "/l/:token", async (c) => {
  const deps = c.get("deps");
  const token = c.req.param("token");
  const client = classifyLinkClient({
    userAgent: c.req.header("user-agent"),
    accept: c.req.header("accept"),
    purpose:
      c.req.header("sec-purpose") ??
      c.req.header("purpose") ??
      c.req.header("x-purpose") ??
      c.req.header("x-moz"),
  });
  const isHead = c.req.method === "HEAD";
  if (isHead || client === "preview") {
    const lookup = await peekLink(deps, token);
    if (lookup.kind === "unknown") return refuse(c, 404, isHead);
    if (lookup.kind === "gone") return refuse(c, 410, isHead);
    return htmlPage(isHead ? null : previewPage(downloadFilename(lookup.link)));
  }
  if (client === "browser") {
    const lookup = await peekLink(deps, token);
    if (lookup.kind === "unknown") return refuse(c, 404);
    if (lookup.kind === "gone") return refuse(c, 410);
    const { link } = lookup;
    if (link.maxDownloads !== undefined) {
      return htmlPage(confirmPage(downloadFilename(link), link.maxDownloads - link.downloadCount));
    }
  }
  return redirectToFile(c, 302);
});

redirectRoutes.post("/l/:token", (c) => redirectToFile(c, 303));

const TokenParam = z.string().openapi({
  param: { name: "token", in: "path" },
  example: "evg_4XjP0aQmZr7TtYc1bN9kLw2s3Dq8",
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

redirectRoutes.openAPIRegistry.registerPath({
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
redirectRoutes.openAPIRegistry.registerPath({
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
    503: { description: "A dependency is unavailable." },
  },
});
redirectRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/l/{token}",
  operationId: "confirmLink",
  security: [],
  tags: ["gateway"],
  summary: "Confirm a download of a limited link (the confirm page's form)",
  request: { params: z.object({ token: TokenParam }) },
  responses: { 303: { description: "Redirect to the file.", headers: redirectHeaders }, ...refusals },
});
