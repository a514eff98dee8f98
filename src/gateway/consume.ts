import { randomBytes } from "node:crypto";
import type { AppDeps } from "#src/app-deps.ts";
import type { HitOutcome as LoggedOutcome } from "#src/domain/access-event.ts";
import {
  type DownloadHit,
  type HitChecks,
  type PassphraseLock,
  passphraseLockedUntil,
} from "#src/domain/download-hit.ts";
import { downloadFilename, type Link, linkStatus, needsConfirmation } from "#src/domain/link.ts";
import { networkAllows } from "#src/domain/networks.ts";
import { verifyPassphrase } from "#src/domain/passphrase.ts";
import { DELIVERABLE_CACHE_CONTROL } from "#src/domain/served-file.ts";
import { hashToken } from "#src/domain/token.ts";
import { errorFields } from "#src/logger.ts";
import { mayBeIssued } from "#src/services/token-check.ts";
import { decideRefusedHit, type GoneReason, type HitOutcome } from "./decide-hit.ts";
import { hitUserAgent, linkHitOf } from "./hit.ts";
import type { HotLinks } from "./hot-links.ts";
import { newHitId, sameClientKey } from "./same-client.ts";

export type LinkLookup =
  | { kind: "unknown" }
  | { kind: "gone"; reason: GoneReason; link: Link }
  | { kind: "active"; link: Link };

/** Reads a link without counting (HEAD, previews, the confirm page). Malformed or forged tokens cost no read. */
export async function peekLink(deps: AppDeps, token: string): Promise<LinkLookup> {
  if (!(await mayBeIssued(deps, "link", token))) return { kind: "unknown" };
  const id = hashToken(token);
  const link = deps.hotLinks ? (await deps.hotLinks.copyOf(id))?.link : await deps.stores.links.get(id);
  if (!link) return { kind: "unknown" };
  const status = linkStatus(link, deps.clock());
  return status === "active" ? { kind: "active", link } : { kind: "gone", reason: status, link };
}

/**
 * Without CLIENT_KEY_SECRET (tests, `npm start`) one made for this process: keys then match only
 * within it, which one process is. The Lambda refuses to start without the shared one
 * (src/lambda/main.ts), since its instances must agree on who is the same client.
 */
const processSecret = randomBytes(32).toString("base64url");

/**
 * A hit that asks for the file (GET or POST): one conditional UpdateItem that counts it when the
 * rules allow (src/gateway/decide-hit.ts) and otherwise hands back the item, from which the
 * answer is decided without a second read. Malformed tokens cost no I/O. A counted hit records
 * itself on the link in that same write (`lastHit`); a refusal of a known link writes
 * `lastRefusal` from the item handed back (ADR 021). A grace re-hit (served, not counted) and a
 * confirm page are not logged: the download they belong to already is.
 */
export async function hitLink(
  deps: AppDeps,
  request: {
    token: string;
    method: "GET" | "POST";
    clientAddress: string | undefined;
    userAgent: string | undefined;
    /** ISO 3166 alpha-2 from the deployment's edge (src/gateway/hit.ts `hitCountry`). */
    country?: string;
    /** The passphrase the holder typed (the confirm page's field) or sent (`Evergate-Passphrase`). */
    passphrase?: string;
  },
): Promise<HitOutcome> {
  if (!(await mayBeIssued(deps, "link", request.token))) return { kind: "unknown" };
  const id = hashToken(request.token);
  const hit: DownloadHit = {
    method: request.method,
    client: sameClientKey(
      deps.config.CLIENT_KEY_SECRET ?? processSecret,
      request.clientAddress,
      request.userAgent,
    ),
    requestId: newHitId(),
    now: deps.clock(),
    defaultGraceSeconds: deps.config.LINK_GRACE_SECONDS,
    ...(hitUserAgent(request.userAgent) ? { userAgent: hitUserAgent(request.userAgent) } : {}),
    ...(request.country ? { country: request.country } : {}),
  };
  const { hotLinks } = deps;
  if (hotLinks) {
    const copy = await hotLinks.copyOf(id);
    if (!copy) return { kind: "unknown" };
    if (!copy.exact) return hitHotLink(deps, hotLinks, copy.link, hit, request.clientAddress);
  }
  // A link with policies costs a second write: the first hands back the link, the gateway checks
  // it, the second pins what was checked. A third attempt means the link changed under us twice.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const sentAt = deps.clock().getTime();
    const result = await deps.stores.links.hit(id, hit);
    if (result.link) hotLinks?.learn(result.link, sentAt);
    if (result.counted) return { kind: "serve", link: result.link, counted: true };
    const outcome = decideRefusedHit(result.link, result.slot, hit);
    if (outcome.kind !== "check") {
      await recordOutcome(deps, outcome, hit);
      return outcome;
    }
    const checked = await checkPolicies(deps, outcome.link, request, hit);
    if ("kind" in checked) {
      await recordOutcome(deps, checked, hit);
      return checked;
    }
    hit.checked = checked;
    // A GET never counts on a link that needs a confirmation: decide from the item in hand.
    if (hit.method === "GET" && needsConfirmation(outcome.link)) {
      const decided = decideRefusedHit(outcome.link, result.slot, hit);
      if (decided.kind !== "check") {
        await recordOutcome(deps, decided, hit);
        return decided;
      }
    }
  }
  throw new Error("the link's policies changed during three attempts of one hit");
}

/**
 * Checks what the write cannot: the client's network against the allow-list, the passphrase
 * against its slow hash (only on a POST, and not while the link is locked: a locked link costs
 * no hashing). Either an outcome to answer, or the checks the next write pins.
 */
async function checkPolicies(
  deps: AppDeps,
  link: Link,
  request: { method: "GET" | "POST"; clientAddress: string | undefined; passphrase?: string },
  hit: DownloadHit,
): Promise<HitChecks | HitOutcome> {
  const checked: HitChecks = {};
  if (link.allowedNetworks) {
    if (!networkAllows(link.allowedNetworks, request.clientAddress))
      return { kind: "refused", reason: "network", link };
    checked.allowedNetworks = link.allowedNetworks;
  }
  if (link.maxClients !== undefined) checked.bindClient = true;
  if (link.passphraseHash) {
    if (request.method === "GET") return { kind: "confirm", link };
    const lock: PassphraseLock = {
      maxAttempts: deps.config.PASSPHRASE_MAX_ATTEMPTS,
      windowSeconds: deps.config.PASSPHRASE_LOCK_SECONDS,
    };
    const lockedUntil = passphraseLockedUntil(link, hit.now, lock);
    if (lockedUntil !== undefined) return { kind: "locked", link, until: lockedUntil };
    if (!request.passphrase) return { kind: "passphrase", state: "required", link };
    // Counted before it is hashed: only counted attempts cost CPU, however many arrive at once.
    const attempt = await deps.stores.links.countPassphraseAttempt(link.id, hit.now, lock);
    if (!attempt) return { kind: "unknown" };
    const until = attempt.since + lock.windowSeconds;
    if (!attempt.counted) return { kind: "locked", link, until };
    if (!(await verifyPassphrase(request.passphrase, link.passphraseHash))) {
      if (attempt.fails >= lock.maxAttempts) return { kind: "locked", link, until };
      return { kind: "passphrase", state: "incorrect", link, attemptsLeft: lock.maxAttempts - attempt.fails };
    }
    checked.passphraseHash = link.passphraseHash;
  }
  return checked;
}

/** The access log's word for a refusal; grants and confirm pages are logged elsewhere or not at all. */
function loggedOutcome(outcome: HitOutcome): LoggedOutcome | undefined {
  switch (outcome.kind) {
    case "gone":
      return outcome.reason;
    case "refused":
      return outcome.reason;
    case "locked":
      return "locked";
    case "passphrase":
      return outcome.state === "incorrect" ? "passphrase" : undefined;
    default:
      return undefined;
  }
}

/**
 * A link that needs no exact per-hit decision, from this instance's copy (ADR 024): revocation,
 * expiry and the allowed networks (ADR 025) checked on the copy against the clock and the address, the download counted in the instance's batch
 * (one write per link per flush interval; `flushDue` starts the writes that are due), the same
 * client inside its grace served without counting, as the conditional write does.
 */
function hitHotLink(
  deps: AppDeps,
  hotLinks: HotLinks,
  link: Link,
  hit: DownloadHit,
  clientAddress: string | undefined,
): HitOutcome | Promise<HitOutcome> {
  const status = linkStatus(link, hit.now);
  const refusal: HitOutcome | undefined =
    status !== "active"
      ? { kind: "gone", reason: status, link }
      : link.allowedNetworks && !networkAllows(link.allowedNetworks, clientAddress)
        ? { kind: "refused", reason: "network", link }
        : undefined;
  if (refusal) {
    if (!hotLinks.mayRecordRefusal(link.id)) return refusal;
    return recordOutcome(deps, refusal, hit).then(() => refusal);
  }
  const counted = hotLinks.count(link, hit);
  hotLinks.flushDue();
  return { kind: "serve", link, counted };
}

/**
 * A refused conditional write leaves no stream record, so a refusal on a known link writes its
 * own (`lastRefusal`, at most one per link per second; ADR 021), from the item the refused write
 * handed back: no second read. Best effort: the refusal is answered even when this write fails.
 */
async function recordOutcome(deps: AppDeps, outcome: HitOutcome, hit: DownloadHit): Promise<void> {
  const logged = loggedOutcome(outcome);
  if (!logged || !("link" in outcome)) return;
  try {
    await deps.stores.links.recordRefusal(outcome.link.id, linkHitOf(hit, logged));
  } catch (error) {
    deps.logger.warn("refusal not recorded", { linkId: outcome.link.id, ...errorFields(error) });
  }
}

export interface SignedRedirect {
  url: string;
  /** Seconds a client may cache the redirect; 0 unless the caching mode is on. */
  cacheSeconds: number;
}

export async function signLink(deps: AppDeps, link: Link, now: Date): Promise<SignedRedirect> {
  const { LINK_URL_TTL_SECONDS: ttl, LINK_CACHE_WINDOW_SECONDS: window } = deps.config;
  if (window === 0) {
    const url = await deps.files.presignGet(link.objectKey, {
      expiresInSeconds: ttl,
      signedAt: now,
      cacheControl: DELIVERABLE_CACHE_CONTROL,
      downloadFilename: downloadFilename(link),
    });
    return { url, cacheSeconds: 0 };
  }
  // Caching mode: sign as of the start of the window, so every hit in it gets the same URL.
  const windowMs = window * 1000;
  const signedAt = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const url = await deps.files.presignGet(link.objectKey, {
    expiresInSeconds: ttl,
    signedAt,
    cacheControl: DELIVERABLE_CACHE_CONTROL,
    downloadFilename: downloadFilename(link),
  });
  const remaining = Math.floor((signedAt.getTime() + ttl * 1000 - now.getTime()) / 1000) - 5;
  return { url, cacheSeconds: Math.max(0, Math.min(remaining, window)) };
}
