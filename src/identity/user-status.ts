import type { CognitoIdentityProviderClientConfig } from "@aws-sdk/client-cognito-identity-provider";
import type { UserStatusCheck } from "#src/app-deps.ts";
import { DependencyUnavailableError } from "#src/domain/errors.ts";
import { loadOnce } from "#src/load-once.ts";
import { callDependency } from "#src/storage/dependency-errors.ts";

const MAX_CACHED_USERS = 10_000;

/**
 * Disabling or deleting a user in Cognito must lock them out of the API, API keys included (an
 * access token alone would stay valid until it expires). One AdminGetUser per user per
 * `cacheSeconds` per instance; while Cognito is unreachable a user already seen keeps the last
 * answer, an unknown one gets a 503. The SDK client loads on first use: redirects never ask.
 */
export function cognitoUserStatus(options: {
  userPoolId: string;
  clientConfig: CognitoIdentityProviderClientConfig;
  cacheSeconds: number;
  now?: () => number;
}): UserStatusCheck {
  const now = options.now ?? Date.now;
  const known = new Map<string, { active: boolean; checkedAt: number }>();
  const inFlight = new Map<string, Promise<boolean>>();
  const getUser = loadOnce(async () => {
    const sdk = await import("@aws-sdk/client-cognito-identity-provider");
    const client = new sdk.CognitoIdentityProviderClient(options.clientConfig);
    return async (userId: string) => {
      try {
        const user = await client.send(
          // Cognito finds a user by `sub` as by username.
          new sdk.AdminGetUserCommand({ UserPoolId: options.userPoolId, Username: userId }),
        );
        return user.Enabled === true;
      } catch (error) {
        if (error instanceof sdk.UserNotFoundException) return false;
        throw error;
      }
    };
  });

  const remember = (userId: string, active: boolean) => {
    known.delete(userId);
    if (known.size >= MAX_CACHED_USERS) known.delete(known.keys().next().value as string);
    known.set(userId, { active, checkedAt: now() });
    return active;
  };

  const refresh = async (userId: string): Promise<boolean> => {
    try {
      return remember(userId, await callDependency("identity", async () => (await getUser())(userId)));
    } catch (error) {
      const stale = known.get(userId);
      if (!(error instanceof DependencyUnavailableError) || !stale) throw error;
      // Keep the last answer for another window rather than make every request wait on a timeout.
      return remember(userId, stale.active);
    } finally {
      inFlight.delete(userId);
    }
  };

  return async (userId) => {
    const cached = known.get(userId);
    if (cached && now() - cached.checkedAt < options.cacheSeconds * 1000) return cached.active;
    let pending = inFlight.get(userId);
    if (!pending) {
      pending = refresh(userId);
      inFlight.set(userId, pending);
    }
    return pending;
  };
}

/** The pool id is the last segment of the issuer: https://cognito-idp.{region}.amazonaws.com/{poolId}. */
export function userPoolOf(issuer: string): { userPoolId: string; region?: string } {
  const url = new URL(issuer);
  const userPoolId = url.pathname.split("/").filter(Boolean).pop() ?? "";
  const region = /^cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/.exec(url.hostname)?.[1];
  return { userPoolId, region };
}
