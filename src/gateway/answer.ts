import type { AppDeps } from "#src/app-deps.ts";
import { downloadFilename, type Link } from "#src/domain/link.ts";
import { classifyLinkClient } from "#src/gateway/client.ts";
import { hitLink, peekLink, signLink } from "#src/gateway/consume.ts";
import { hitCountry } from "#src/gateway/hit.ts";
import { recordLinkOutcome } from "#src/metrics/link-outcome.ts";
import type { Answer } from "../http/answer.ts";
import { problemAnswer, problemFor } from "../http/problem.ts";
import type { GoneReason } from "./decide-hit.ts";
import {
  confirmPage,
  linkPageHeaders,
  previewPage,
  type RefusalReason,
  refusalPage,
  startingPage,
} from "./pages.ts";

export const LINK_METHODS = ["GET", "HEAD", "POST"] as const;
export type LinkMethod = (typeof LINK_METHODS)[number];

export interface LinkRequest {
  method: LinkMethod;
  token: string;
  requestId: string;
  /** The client's address (src/http/client-address.ts): the peer or the deployment's proxy header. */
  clientAddress: string | undefined;
  /** A request header by its lower-case name. */
  header(name: string): string | undefined;
}

const htmlPage = (body: string | null, status = 200): Answer => ({
  status,
  headers: { ...linkPageHeaders },
  body,
});

const goneDetail: Record<GoneReason, string> = {
  revoked: "This link was revoked.",
  expired: "This link has expired.",
  exhausted: "This link has no downloads left.",
};

/** 404 reveals nothing; 410 tells the holder of a real link why it stopped (page, detail, `reason`). */
function refuse(request: LinkRequest, reason: RefusalReason): Answer {
  const status = reason === "unknown" ? 404 : 410;
  const head = request.method === "HEAD";
  if (/text\/html/i.test(request.header("accept") ?? ""))
    return htmlPage(head ? null : refusalPage(reason), status);
  const problem =
    reason === "unknown"
      ? problemFor("not_found", "No such link.", request.requestId)
      : { ...problemFor("link_gone", goneDetail[reason], request.requestId), reason };
  const answer = problemAnswer(problem, { "cache-control": "private, no-store" });
  return head ? { ...answer, body: null } : answer;
}

const wantsPage = (request: LinkRequest) => /text\/html/i.test(request.header("accept") ?? "");

async function serveFile(deps: AppDeps, request: LinkRequest, link: Link): Promise<Answer> {
  const signed = await signLink(deps, link, deps.clock());
  if (request.method === "POST" && wantsPage(request)) {
    return htmlPage(startingPage(downloadFilename(link), signed.url));
  }
  return {
    status: request.method === "POST" ? 303 : 302,
    headers: {
      location: signed.url,
      "cache-control":
        signed.cacheSeconds > 0 ? `private, max-age=${signed.cacheSeconds}` : "private, no-store",
      "referrer-policy": "no-referrer",
    },
    body: null,
  };
}

/**
 * What /l/{token} answers, free of any HTTP framework: Hono serves it as a Response
 * (src/gateway/route.ts), the Lambda as a function URL result (src/lambda/handler.ts).
 * HEAD, previews, scanners and prefetches read (one GetItem) and never count. Every other hit is
 * one conditional UpdateItem (src/gateway/decide-hit.ts has the table): only a POST spends a
 * limited link; a browser's GET of one gets the confirm page, anything else's GET a 409 saying
 * to POST; the same client inside its grace gets a fresh URL without counting.
 */
export async function answerLink(deps: AppDeps, request: LinkRequest): Promise<Answer> {
  const userAgent = request.header("user-agent");
  if (request.method !== "POST") {
    const client = classifyLinkClient({
      userAgent,
      accept: request.header("accept"),
      purpose:
        request.header("sec-purpose") ??
        request.header("purpose") ??
        request.header("x-purpose") ??
        request.header("x-moz"),
    });
    if (request.method === "HEAD" || client === "preview") {
      const lookup = await peekLink(deps, request.token);
      recordLinkOutcome(deps.metrics, lookup, request.token, deps.config.TOKEN_KEYS);
      if (lookup.kind !== "active")
        return refuse(request, lookup.kind === "unknown" ? "unknown" : lookup.reason);
      return htmlPage(request.method === "HEAD" ? null : previewPage(downloadFilename(lookup.link)));
    }
  }
  const outcome = await hitLink(deps, {
    token: request.token,
    method: request.method === "POST" ? "POST" : "GET",
    clientAddress: request.clientAddress,
    userAgent,
    country: hitCountry(deps.config.CLIENT_COUNTRY_HEADER, request.header),
  });
  recordLinkOutcome(deps.metrics, outcome, request.token, deps.config.TOKEN_KEYS);
  switch (outcome.kind) {
    case "unknown":
      return refuse(request, "unknown");
    case "gone":
      return refuse(request, outcome.reason);
    case "serve":
      return serveFile(deps, request, outcome.link);
    case "confirm": {
      const { link } = outcome;
      const remaining = (link.maxDownloads ?? 0) - link.downloadCount;
      if (wantsPage(request)) return htmlPage(confirmPage(link, remaining));
      return problemAnswer(
        problemFor(
          "confirmation_required",
          `This link has a download limit (${remaining} left): a GET never uses one up. ` +
            "Ask for the download with a POST, e.g. curl -L -d '' URL or wget --post-data='' URL.",
          request.requestId,
        ),
        { "cache-control": "private, no-store" },
      );
    }
  }
}
