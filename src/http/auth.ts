import type { Context, MiddlewareHandler } from "hono";
import { apiKeyAccepts } from "#src/domain/api-key.ts";
import { AppError } from "#src/domain/errors.ts";
import { ADMIN_GROUP, type ApiKeyScope, type Caller, hasScope, isAdmin } from "#src/domain/scopes.ts";
import { hashToken, tokenPrefixes } from "#src/domain/token.ts";
import { mayBeIssued } from "#src/services/token-check.ts";
import type { AppEnv } from "./context.ts";

const unauthorized = () =>
  new AppError("unauthorized", "The access token or API key is missing, invalid, expired or revoked.", {
    headers: { "WWW-Authenticate": 'Bearer realm="evergate"' },
  });

/** How often lastUsedAt is written for a busy key: once a minute is plenty and saves writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Resolves `Authorization: Bearer …` into a caller: an API key (evk_…) or a Cognito access token.
 * A header that is present but invalid is a 401 even on public routes, so a broken client notices.
 */
export const resolveCaller: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header(c.get("deps").config.AUTHORIZATION_HEADER);
  if (header === undefined) {
    c.set("caller", undefined);
    return next();
  }
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  if (!match?.[1]) throw unauthorized();
  const credential = match[1];
  const deps = c.get("deps");
  if (credential.startsWith(tokenPrefixes.apiKey)) {
    if (!(await mayBeIssued(deps, "apiKey", credential))) throw unauthorized();
    const secretHash = hashToken(credential);
    const key = await deps.stores.apiKeys.findBySecret(secretHash);
    const now = deps.clock();
    if (!key || !apiKeyAccepts(key, secretHash, now)) throw unauthorized();
    // A user disabled or deleted in Cognito is locked out, their API keys included.
    if (!(await deps.isUserActive(key.ownerId))) throw unauthorized();
    if (!key.lastUsedAt || now.getTime() - Date.parse(key.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
      await deps.stores.apiKeys.touch(key.id, now);
    }
    c.set("caller", {
      userId: key.ownerId,
      username: key.ownerName,
      via: "apiKey",
      scopes: key.scopes,
      apiKeyId: key.id,
    });
  } else {
    const user = await deps.verifyAccessToken(credential);
    if (!(await deps.isUserActive(user.userId))) throw unauthorized();
    c.set("caller", {
      userId: user.userId,
      username: user.username,
      via: "user",
      ...(user.groups ? { groups: user.groups } : {}),
    });
  }
  return next();
};

/** The caller, or a 401 when the route needs one; with a scope, a key without it gets a 403. */
export function requireCaller(c: Context<AppEnv>, scope?: ApiKeyScope): Caller {
  const caller = c.get("caller");
  if (!caller) throw unauthorized();
  if (scope && !hasScope(caller, scope)) {
    throw new AppError("insufficient_scope", `This API key lacks the ${scope} scope.`);
  }
  return caller;
}

/** Routes only a person may call (managing API keys): an API key cannot mint more keys. */
export function requireUser(c: Context<AppEnv>): Caller {
  const caller = requireCaller(c);
  if (caller.via !== "user") throw new AppError("insufficient_scope", "Only a signed-in user may do this.");
  return caller;
}

/** Routes for the deployment's administrators: a user in the Cognito group `admin`; anyone else 403. */
export function requireAdmin(c: Context<AppEnv>): Caller {
  const caller = requireCaller(c);
  if (!isAdmin(caller)) {
    throw new AppError(
      "insufficient_scope",
      `Only a user signed in as a member of the Cognito group ${ADMIN_GROUP} may do this (API keys may not).`,
    );
  }
  return caller;
}
