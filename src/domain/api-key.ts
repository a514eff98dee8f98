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
  revokedAt?: string;
}
