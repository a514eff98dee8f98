import { JwtRsaVerifier } from "aws-jwt-verify";
import {
  FetchError,
  JwksNotAvailableInCacheError,
  WaitPeriodNotYetEndedJwkError,
} from "aws-jwt-verify/error";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { AccessTokenVerifier } from "#src/app-deps.ts";
import { AppError, DependencyUnavailableError } from "#src/domain/errors.ts";

/**
 * Verifies Cognito access tokens with aws-jwt-verify: RS256 signature against the issuer's JWKS,
 * issuer, expiry, then the Cognito-specific claims. The same code points at Cognito in AWS and at
 * the local stand-in; only the issuer and JWKS URL differ.
 */
export function cognitoAccessTokenVerifier(options: {
  issuer: string;
  jwksUri: string;
  clientId: string;
  timeoutMs: number;
}): AccessTokenVerifier {
  // The library's default fetcher speaks only https; fetch() serves Cognito and the local
  // stand-in alike, with our own timeout so a JWKS outage answers 503 quickly.
  const jwksCache = new SimpleJwksCache({
    fetcher: {
      async fetch(uri: string) {
        try {
          const response = await fetch(uri, { signal: AbortSignal.timeout(options.timeoutMs) });
          if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
          return await response.arrayBuffer();
        } catch (error) {
          throw new FetchError(uri, (error as Error).message);
        }
      },
    },
  });
  const verifier = JwtRsaVerifier.create(
    {
      issuer: options.issuer,
      jwksUri: options.jwksUri,
      // Cognito access tokens carry client_id instead of aud.
      audience: null,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== "access") throw new Error("not an access token");
        if (payload.client_id !== options.clientId) throw new Error("issued to another client");
        if (typeof payload.sub !== "string" || typeof payload.username !== "string") {
          throw new Error("missing subject");
        }
      },
    },
    { jwksCache },
  );

  return async (token) => {
    try {
      const payload = await verifier.verify(token);
      const groups = payload["cognito:groups"];
      return {
        userId: String(payload.sub),
        username: String(payload.username),
        ...(Array.isArray(groups) ? { groups: groups.filter((group) => typeof group === "string") } : {}),
      };
    } catch (error) {
      if (
        error instanceof JwksNotAvailableInCacheError ||
        (error instanceof FetchError && !isUnknownKid(error))
      ) {
        throw new DependencyUnavailableError("identity", { cause: error });
      }
      throw new AppError("unauthorized", "The access token is missing, invalid or expired.");
    }
  };
}

function isUnknownKid(error: unknown): boolean {
  return error instanceof WaitPeriodNotYetEndedJwkError;
}
