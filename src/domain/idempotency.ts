import { createHash } from "node:crypto";

/**
 * Idempotency-Key (IETF httpapi draft "The Idempotency-Key HTTP Header Field"): a POST sent again
 * with the same key by the same caller has one effect, and the first answer is replayed.
 * docs/decisions/027-api-conventions.md.
 */

/** What a replay gives back: the first answer's status, the headers that describe it, its body. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface IdempotencyRecord {
  /** Who sent it: one caller's keys never meet another's (`user:<sub>` or `key:<api key id>`). */
  scope: string;
  /** The key as sent (bounded to 255 printable characters). */
  key: string;
  /** SHA-256 of the method, path and body: the same key with another request is refused. */
  fingerprint: string;
  /** The request holding the key while its answer is being made; absent once the answer is stored. */
  lockedBy?: string;
  /** A lock older than this was left by a request that died: the same request may take it over. */
  lockedUntil: string;
  /** The record is forgotten after this (the table's TTL; at least 24 h after the first request). */
  expiresAt: string;
  answer?: StoredAnswer;
}

/** The headers a replay repeats; the rest (request id, rate-limit budget) belong to the new request. */
export const replayedHeaders = ["content-type", "location", "content-location", "retry-after"] as const;

/** The header a replayed answer carries. */
export const REPLAYED_HEADER = "idempotent-replayed";

/** Printable ASCII without spaces, 1..255: a UUID, a ULID, or any caller's own reference. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The key from the header: the draft's Structured Field string (`"…"`), or the bare value most
 * clients send (Stripe's form). Undefined when it is not a usable key.
 */
export function parseIdempotencyKey(header: string): string | undefined {
  const trimmed = header.trim();
  const unquoted =
    trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  return KEY.test(unquoted) && !unquoted.includes('"') ? unquoted : undefined;
}

/** The request's fingerprint: method, path with query, and the body's exact bytes. */
export function requestFingerprint(method: string, pathWithQuery: string, body: Uint8Array): string {
  return createHash("sha256")
    .update(`${method.toUpperCase()} ${pathWithQuery}\n`)
    .update(body)
    .digest("base64url");
}

/** Whether a stored answer is kept: a server error is not an answer to replay, the retry runs again. */
export const isReplayable = (status: number) => status < 500;
