import type { AppDeps } from "#src/app-deps.ts";
import { downloadFilename, type Link } from "#src/domain/link.ts";
import { classifyLinkClient } from "#src/gateway/client.ts";
import { hitLink, peekLink, signLink } from "#src/gateway/consume.ts";
import { hitCountry } from "#src/gateway/hit.ts";
import { recordLinkOutcome } from "#src/metrics/link-outcome.ts";
import type { Answer } from "../http/answer.ts";
import { problemAnswer, problemFor } from "../http/problem.ts";
import type { GoneReason, HitOutcome, PolicyRefusal } from "./decide-hit.ts";
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
  /** The body of a POST sent as a form (the confirm page's), when it is one and small. */
  form?: string;
}

/** The largest form body /l/ reads: a passphrase field and little else. */
export const LINK_FORM_MAX_BYTES = 2048;

/** The body of a POST when it is a small form (the confirm page's); anything else is not read. */
export function linkFormOf(contentType: string | undefined, body: string | undefined): string | undefined {
  if (!body || !/^application\/x-www-form-urlencoded\b/i.test(contentType ?? "")) return undefined;
  return body.length <= LINK_FORM_MAX_BYTES ? body : undefined;
}

/** The header API clients send a link's passphrase in. */
export const PASSPHRASE_HEADER = "evergate-passphrase";

/** The passphrase a POST carries: the header (API clients) or the confirm page's form field. */
function passphraseOf(request: LinkRequest): string | undefined {
  if (request.method !== "POST") return undefined;
  const header = request.header(PASSPHRASE_HEADER);
  if (header) return header;
  if (!request.form) return undefined;
  return new URLSearchParams(request.form).get("passphrase") ?? undefined;
}

const htmlPage = (body: string | null, status = 200): Answer => ({
  status,
  headers: { ...linkPageHeaders },
  body,
});

const policyDetail: Record<
  PolicyRefusal,
  { code: "link_network_refused" | "link_device_limit"; detail: string }
> = {
  network: { code: "link_network_refused", detail: "This link cannot be used from your network." },
  device_limit: {
    code: "link_device_limit",
    detail: "This link is already in use on its maximum number of devices.",
  },
};

const goneDetail: Record<GoneReason, string> = {
  revoked: "This link was revoked.",
  expired: "This link has expired.",
  exhausted: "This link has no downloads left.",
};

/** 404 reveals nothing; 410 tells the holder of a real link why it stopped (page, detail, `reason`). */
function refuse(request: LinkRequest, reason: Exclude<RefusalReason, "locked">): Answer {
  const policy = reason === "network" || reason === "device_limit" ? policyDetail[reason] : undefined;
  const status = reason === "unknown" ? 404 : policy ? 403 : 410;
  const head = request.method === "HEAD";
  if (/text\/html/i.test(request.header("accept") ?? ""))
    return htmlPage(head ? null : refusalPage(reason), status);
  const problem =
    reason === "unknown"
      ? problemFor("not_found", "No such link.", request.requestId)
      : policy
        ? { ...problemFor(policy.code, policy.detail, request.requestId), reason }
        : { ...problemFor("link_gone", goneDetail[reason as GoneReason], request.requestId), reason };
  const answer = problemAnswer(problem, { "cache-control": "private, no-store" });
  return head ? { ...answer, body: null } : answer;
}

/** A link locked by wrong passphrases: 429 with Retry-After, a page for people. */
function locked(deps: AppDeps, request: LinkRequest, until: number): Answer {
  const retryAfter = String(Math.max(1, Math.ceil(until - deps.clock().getTime() / 1000)));
  const headers = { "cache-control": "private, no-store", "retry-after": retryAfter };
  if (wantsPage(request))
    return { ...htmlPage(refusalPage("locked"), 429), headers: { ...linkPageHeaders, ...headers } };
  return problemAnswer(
    problemFor(
      "passphrase_locked",
      `Too many wrong passphrases: this link refuses every attempt for ${retryAfter} more seconds.`,
      request.requestId,
    ),
    headers,
  );
}

/** The passphrase was missing or wrong: the confirm page again, saying so, or a 403 problem. */
function askPassphrase(request: LinkRequest, outcome: Extract<HitOutcome, { kind: "passphrase" }>): Answer {
  const { link, state, attemptsLeft } = outcome;
  const wrong = `Wrong passphrase. ${attemptsLeft} ${attemptsLeft === 1 ? "attempt" : "attempts"} left before the link locks for a while.`;
  if (wantsPage(request)) {
    return htmlPage(
      confirmPage(link, remainingOf(link), {
        passphrase: true,
        error: state === "incorrect" ? wrong : "Enter the passphrase to download the file.",
      }),
      403,
    );
  }
  const problem =
    state === "incorrect"
      ? { ...problemFor("passphrase_incorrect", wrong, request.requestId), attemptsLeft }
      : problemFor(
          "passphrase_required",
          "This link is protected by a passphrase: POST with the Evergate-Passphrase header, " +
            "e.g. curl -L -d '' -H 'Evergate-Passphrase: …' URL.",
          request.requestId,
        );
  return problemAnswer(problem, { "cache-control": "private, no-store" });
}

const remainingOf = (link: Link) =>
  link.maxDownloads === undefined ? undefined : link.maxDownloads - link.downloadCount;

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
    passphrase: passphraseOf(request),
  });
  recordLinkOutcome(deps.metrics, outcome, request.token, deps.config.TOKEN_KEYS);
  switch (outcome.kind) {
    case "unknown":
      return refuse(request, "unknown");
    case "gone":
      return refuse(request, outcome.reason);
    case "refused":
      return refuse(request, outcome.reason);
    case "locked":
      return locked(deps, request, outcome.until);
    case "passphrase":
      return askPassphrase(request, outcome);
    case "check":
      throw new Error("the gateway answered a hit before checking the link's policies");
    case "serve":
      return serveFile(deps, request, outcome.link);
    case "confirm": {
      const { link } = outcome;
      const remaining = remainingOf(link);
      const passphrase = link.passphraseHash !== undefined;
      if (wantsPage(request)) return htmlPage(confirmPage(link, remaining, { passphrase }));
      const why = [
        remaining === undefined ? undefined : `a download limit (${remaining} left)`,
        link.maxClients === undefined ? undefined : `a device limit (${link.maxClients})`,
        passphrase ? "a passphrase" : undefined,
      ].filter(Boolean);
      return problemAnswer(
        problemFor(
          "confirmation_required",
          `This link has ${why.join(" and ")}: a GET never uses it. ` +
            (passphrase
              ? "Ask for the download with a POST carrying the passphrase, e.g. curl -L -d '' -H 'Evergate-Passphrase: …' URL."
              : "Ask for the download with a POST, e.g. curl -L -d '' URL or wget --post-data='' URL."),
          request.requestId,
        ),
        { "cache-control": "private, no-store" },
      );
    }
  }
}
