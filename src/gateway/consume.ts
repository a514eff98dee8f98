import type { AppDeps } from "#src/app-deps.ts";
import { downloadFilename, type Link, linkStatus } from "#src/domain/link.ts";
import { DELIVERABLE_CACHE_CONTROL } from "#src/domain/served-file.ts";
import { hashToken } from "#src/domain/token.ts";
import { mayBeIssued } from "#src/services/token-check.ts";

export type LinkLookup = { kind: "unknown" } | { kind: "gone"; link: Link } | { kind: "active"; link: Link };

/** Reads a link without counting (HEAD, previews, the confirm page). Malformed or forged tokens cost no read. */
export async function peekLink(deps: AppDeps, token: string): Promise<LinkLookup> {
  if (!(await mayBeIssued(deps, "link", token))) return { kind: "unknown" };
  const link = await deps.stores.links.get(hashToken(token));
  if (!link) return { kind: "unknown" };
  return linkStatus(link, deps.clock()) === "active" ? { kind: "active", link } : { kind: "gone", link };
}

export interface SignedRedirect {
  url: string;
  /** Seconds a client may cache the redirect; 0 unless the caching mode is on. */
  cacheSeconds: number;
}

/**
 * Counts one download (the single conditional UpdateItem) and presigns the object. Only when
 * that write fails is the link read again, to tell "gone" (410) from "unknown" (404).
 */
export async function consumeLink(
  deps: AppDeps,
  token: string,
): Promise<{ kind: "unknown" } | { kind: "gone" } | ({ kind: "redirect" } & SignedRedirect)> {
  if (!(await mayBeIssued(deps, "link", token))) return { kind: "unknown" };
  const id = hashToken(token);
  const now = deps.clock();
  const link = await deps.stores.links.consume(id, now);
  if (!link) return (await deps.stores.links.get(id)) ? { kind: "gone" } : { kind: "unknown" };
  return { kind: "redirect", ...(await signLink(deps, link, now)) };
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
