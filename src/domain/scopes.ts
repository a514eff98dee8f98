/** What an API key may do. A user's own login may do everything its owner may. */
export const apiKeyScopes = [
  "links:read",
  "links:write",
  "products:read",
  "products:write",
  "orders:read",
  "orders:write",
  "webhooks:write",
  "files:read",
  "files:write",
] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

export interface Caller {
  userId: string;
  username: string;
  via: "user" | "apiKey";
  /** Undefined for a user's own login: every scope. */
  scopes?: readonly ApiKeyScope[];
  apiKeyId?: string;
}

export function hasScope(caller: Caller, scope: ApiKeyScope): boolean {
  return caller.scopes === undefined || caller.scopes.includes(scope);
}
