import type { Context, MiddlewareHandler } from "hono";
import type { Caller } from "#src/domain/scopes.ts";
import { clientAddress, peerAddressOf } from "./client-address.ts";
import type { AppEnv } from "./context.ts";
import { addressBucket, enforceRateLimit, type RateLimitClass } from "./rate-limits.ts";

/** The bucket of the client a request came from: its address (IPv6 by /64), as the Lambda's /l/ path keys it. */
export const clientBucketOf = (c: Context<AppEnv>): string =>
  addressBucket(
    clientAddress({
      peer: peerAddressOf(c.env),
      trustedHeader: c.get("deps").config.CLIENT_ADDRESS_HEADER,
      header: (name) => c.req.header(name),
    }),
  );

/** Several policies can apply to one response: their fields are joined into one list. */
function addHeaders(c: Context<AppEnv>, headers: Record<string, string> | undefined) {
  if (!headers) return;
  for (const [name, value] of Object.entries(headers)) {
    const existing = c.res.headers.get(name);
    c.res.headers.set(name, existing ? `${existing}, ${value}` : value);
  }
}

/** Per client address: /l/* and every /api/* request before its credential costs anything. */
export const limitByAddress =
  (kind: RateLimitClass): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const headers = enforceRateLimit(c.get("deps").rateLimits, kind, clientBucketOf(c));
    await next();
    addHeaders(c, headers);
  };

const EXPENSIVE = [
  /^POST \/api\/links$/, // a new link: a table item for as long as the link lives
  /^POST \/api\/links\/bulk$/, // up to 100 of them (the per-product cap still bounds what is kept)
  /^POST \/api\/links\/[^/]+\/rotate$/,
  /^POST \/api\/uploads$/, // a presigned PUT: bytes in the bucket
  /^POST \/api\/products$/, // copies the uploaded objects
  /^POST \/api\/keys$/,
  /^POST \/api\/keys\/[^/]+\/rotate$/, // a pointer item per rotation (the replaced one dies by TTL)
];

/** What a request costs decides its bucket: anonymous (per address), read, write or expensive (per caller). */
export function apiRateLimitClass(method: string, path: string, caller: Caller | undefined): RateLimitClass {
  if (!caller) return "anonymous";
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return "read";
  const request = `${method} ${path}`;
  return EXPENSIVE.some((pattern) => pattern.test(request)) ? "expensive" : "write";
}

/** After authentication: per user or API key, or per address for anonymous callers. */
export const limitByCaller: MiddlewareHandler<AppEnv> = async (c, next) => {
  const caller = c.get("caller");
  const kind = apiRateLimitClass(c.req.method, c.req.path, caller);
  const client = caller
    ? caller.apiKeyId
      ? `key:${caller.apiKeyId}`
      : `user:${caller.userId}`
    : clientBucketOf(c);
  const headers = enforceRateLimit(c.get("deps").rateLimits, kind, client);
  await next();
  addHeaders(c, headers);
};
