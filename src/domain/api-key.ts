import type { ApiKeyScope } from "./scopes.ts";

/** An API key record; `id` is the SHA-256 of the key, which is shown to its owner once. */
export interface ApiKey {
  id: string;
  ownerId: string;
  ownerName: string;
  name: string;
  scopes: ApiKeyScope[];
  keyHint: string;
  createdAt: string;
  lastUsedAt?: string;
  /** When the key stops working by itself (absent: until revoked). */
  expiresAt?: string;
  revokedAt?: string;
}

export type ApiKeyStatus = "active" | "revoked" | "expired";

export function apiKeyStatus(key: ApiKey, now: Date): ApiKeyStatus {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && Date.parse(key.expiresAt) <= now.getTime()) return "expired";
  return "active";
}
