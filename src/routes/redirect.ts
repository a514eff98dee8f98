import { type Context, Hono } from "hono";
import { downloadFilename } from "#src/domain/link.ts";
import { classifyLinkClient } from "#src/domain/link-client.ts";
import type { AppEnv } from "#src/http/context.ts";
import { confirmPage, linkPageHeaders, previewPage, refusalPage } from "#src/http/link-pages.ts";
import { problemFor, problemResponse } from "#src/http/problem.ts";
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

/**
 * The gateway itself. Plain Hono, no zod: the token's format and checksum are its validation
 * (stricter than a schema), and the Lambda's cold start for a redirect never loads the API's
 * schemas. Its OpenAPI description lives in redirect-docs.ts.
 */
export const redirectRoutes = new Hono<AppEnv>();

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
