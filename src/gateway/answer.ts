import type { AppDeps } from "#src/app-deps.ts";
import { downloadFilename } from "#src/domain/link.ts";
import { classifyLinkClient } from "#src/gateway/client.ts";
import { consumeLink, peekLink } from "#src/gateway/consume.ts";
import type { Answer } from "../http/answer.ts";
import { problemAnswer, problemFor } from "../http/problem.ts";
import { confirmPage, linkPageHeaders, previewPage, refusalPage } from "./pages.ts";

export const LINK_METHODS = ["GET", "HEAD", "POST"] as const;
export type LinkMethod = (typeof LINK_METHODS)[number];

export interface LinkRequest {
  method: LinkMethod;
  token: string;
  requestId: string;
  /** A request header by its lower-case name. */
  header(name: string): string | undefined;
}

const htmlPage = (body: string | null, status = 200): Answer => ({
  status,
  headers: { ...linkPageHeaders },
  body,
});

/** 404 and 410 look the same for every unknown token: same body shape, no hint it ever existed. */
function refuse(request: LinkRequest, status: 404 | 410): Answer {
  const head = request.method === "HEAD";
  if (/text\/html/i.test(request.header("accept") ?? ""))
    return htmlPage(head ? null : refusalPage(status), status);
  const problem =
    status === 404
      ? problemFor("not_found", "No such link.", request.requestId)
      : problemFor(
          "link_gone",
          "This link was revoked, has expired or has no downloads left.",
          request.requestId,
        );
  const answer = problemAnswer(problem, { "cache-control": "private, no-store" });
  return head ? { ...answer, body: null } : answer;
}

async function redirectToFile(deps: AppDeps, request: LinkRequest, status: 302 | 303): Promise<Answer> {
  const result = await consumeLink(deps, request.token);
  if (result.kind === "unknown") return refuse(request, 404);
  if (result.kind === "gone") return refuse(request, 410);
  return {
    status,
    headers: {
      location: result.url,
      "cache-control":
        result.cacheSeconds > 0 ? `private, max-age=${result.cacheSeconds}` : "private, no-store",
      "referrer-policy": "no-referrer",
    },
    body: null,
  };
}

/**
 * What /l/{token} answers, free of any HTTP framework: Hono serves it as a Response
 * (src/gateway/route.ts), the Lambda as a function URL result (src/lambda/handler.ts).
 * Previews, scanners, HEAD and prefetches get a page and never use up a download; a browser
 * facing a limited link confirms with a POST first; everything else gets the redirect.
 */
export async function answerLink(deps: AppDeps, request: LinkRequest): Promise<Answer> {
  if (request.method === "POST") return redirectToFile(deps, request, 303);
  const client = classifyLinkClient({
    userAgent: request.header("user-agent"),
    accept: request.header("accept"),
    purpose:
      request.header("sec-purpose") ??
      request.header("purpose") ??
      request.header("x-purpose") ??
      request.header("x-moz"),
  });
  const isHead = request.method === "HEAD";
  if (isHead || client === "preview") {
    const lookup = await peekLink(deps, request.token);
    if (lookup.kind !== "active") return refuse(request, lookup.kind === "unknown" ? 404 : 410);
    return htmlPage(isHead ? null : previewPage(downloadFilename(lookup.link)));
  }
  if (client === "browser") {
    const lookup = await peekLink(deps, request.token);
    if (lookup.kind !== "active") return refuse(request, lookup.kind === "unknown" ? 404 : 410);
    const { link } = lookup;
    if (link.maxDownloads !== undefined) {
      return htmlPage(confirmPage(downloadFilename(link), link.maxDownloads - link.downloadCount));
    }
  }
  return redirectToFile(deps, request, 302);
}
