import type { ApiKeyScope } from "./scopes.ts";

/**
 * An API key record. `id` is the SHA-256 of the key's first secret, which is shown to its owner
 * once; a rotation gives the key a new secret (`secretHash`) and keeps the one before it working
 * until `previousSecretValidUntil` (docs/decisions/030-api-key-rotation.md).
 */
export interface ApiKey {
  id: string;
  ownerId: string;
  ownerName: string;
  name: string;
  scopes: ApiKeyScope[];
  /** The last four characters of the current secret. */
  keyHint: string;
  createdAt: string;
  lastUsedAt?: string;
  /** When the key stops working by itself (absent: until revoked). */
  expiresAt?: string;
  revokedAt?: string;
  /** SHA-256 of the secret the key answers to now; absent until its first rotation (then `id`). */
  secretHash?: string;
  /** The secret before the last rotation, accepted until `previousSecretValidUntil` only. */
  previousSecretHash?: string;
  previousSecretValidUntil?: string;
  rotatedAt?: string;
}

/** What a rotation writes: the new secret, and until when the one it replaces still works. */
export interface ApiKeyRotation {
  secretHash: string;
  keyHint: string;
  /** The secret being replaced: the rotation happens only if it is still the key's current one. */
  previousSecretHash: string;
  previousSecretValidUntil: string;
  rotatedAt: string;
}

export type ApiKeyStatus = "active" | "revoked" | "expired";

export function apiKeyStatus(key: ApiKey, now: Date): ApiKeyStatus {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && Date.parse(key.expiresAt) <= now.getTime()) return "expired";
  return "active";
}

export const currentSecretHash = (key: ApiKey): string => key.secretHash ?? key.id;

/**
 * Whether the secret with this hash opens the key now: its current secret, or the previous one
 * until its overlap ends. Any older secret (and every secret of a revoked or expired key) is refused.
 */
export function apiKeyAccepts(key: ApiKey, secretHash: string, now: Date): boolean {
  if (apiKeyStatus(key, now) !== "active") return false;
  if (secretHash === currentSecretHash(key)) return true;
  return (
    secretHash === key.previousSecretHash &&
    key.previousSecretValidUntil !== undefined &&
    now.getTime() < Date.parse(key.previousSecretValidUntil)
  );
}

/** The rotation of `key` to a new secret at `now`, its current secret valid `overlapSeconds` more. */
export function rotationOf(
  key: ApiKey,
  next: { hash: string; hint: string },
  now: Date,
  overlapSeconds: number,
): ApiKeyRotation {
  return {
    secretHash: next.hash,
    keyHint: next.hint,
    previousSecretHash: currentSecretHash(key),
    previousSecretValidUntil: new Date(now.getTime() + overlapSeconds * 1000).toISOString(),
    rotatedAt: now.toISOString(),
  };
}
