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
  /** A signed-in user's Cognito groups, from the verified access token (never an API key's). */
  groups?: readonly string[];
}

/** The Cognito group whose members may read the deployment-wide admin routes (ADR 025 addendum). */
export const ADMIN_GROUP = "admin";

/**
 * Whether the caller may use the admin routes: a person signed in with a token that names the
 * `admin` group. An API key never may: there is no admin scope, so a long-lived key cannot carry
 * a right that Cognito takes back within one access token's lifetime.
 */
export function isAdmin(caller: Caller): boolean {
  return caller.via === "user" && (caller.groups ?? []).includes(ADMIN_GROUP);
}

export function hasScope(caller: Caller, scope: ApiKeyScope): boolean {
  return caller.scopes === undefined || caller.scopes.includes(scope);
}
