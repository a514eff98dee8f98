import type { Config } from "#src/config.ts";
import { AppError } from "#src/domain/errors.ts";
import { type RateLimitDecision, TokenBucketLimiter } from "./rate-limiter.ts";

/**
 * Who may send how much, per instance (the first line; in AWS the WAF's rate-based rules are the
 * second): per client address on /l/* and on every /api/* request before authentication, then
 * per caller (user or API key) by what the request costs, or per address for anonymous callers.
 */
export const rateLimitClasses = ["link", "address", "anonymous", "read", "write", "expensive"] as const;
export type RateLimitClass = (typeof rateLimitClasses)[number];

export interface RateLimits {
  /** Takes one request of the class from the client's bucket; undefined when limits are off. */
  take(
    kind: RateLimitClass,
    client: string,
  ): { decision: RateLimitDecision; headers: Record<string, string> } | undefined;
  /** How many clients the class's limiter remembers now (bounded by RATE_LIMIT_MAX_CLIENTS). */
  clients(kind: RateLimitClass): number;
}

const WINDOW_SECONDS = 60;

export function limitsOf(config: Config): Record<RateLimitClass, number> {
  return {
    link: config.RATE_LIMIT_LINK_PER_MINUTE,
    address: config.RATE_LIMIT_ADDRESS_PER_MINUTE,
    anonymous: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
    read: config.RATE_LIMIT_READ_PER_MINUTE,
    write: config.RATE_LIMIT_WRITE_PER_MINUTE,
    expensive: config.RATE_LIMIT_EXPENSIVE_PER_MINUTE,
  };
}

/** One limiter per class, built once per process (cold start) and shared by Hono and the Lambda's /l/ path. */
export function createRateLimits(config: Config, now: () => number = Date.now): RateLimits {
  if (!config.RATE_LIMITS_ENABLED) return { take: () => undefined, clients: () => 0 };
  const limits = limitsOf(config);
  const limiters = Object.fromEntries(
    rateLimitClasses.map((name) => [
      name,
      new TokenBucketLimiter(
        {
          name,
          limit: limits[name],
          windowSeconds: WINDOW_SECONDS,
          maxClients: config.RATE_LIMIT_MAX_CLIENTS,
        },
        now,
      ),
    ]),
  ) as Record<RateLimitClass, TokenBucketLimiter>;
  // The policy header never changes: built once per class.
  const policies = Object.fromEntries(
    rateLimitClasses.map((name) => [name, `"${name}";q=${limits[name]};w=${WINDOW_SECONDS}`]),
  ) as Record<RateLimitClass, string>;
  return {
    clients: (kind) => limiters[kind].size,
    take(kind, client) {
      const decision = limiters[kind].take(client);
      return {
        decision,
        headers: {
          "ratelimit-policy": policies[kind],
          ratelimit: `"${kind}";r=${decision.remaining};t=${decision.resetSeconds}`,
        },
      };
    },
  };
}

/**
 * The one rule every entry point applies: takes a request from the client's bucket and answers
 * the RateLimit headers to send, or throws the 429 problem (with Retry-After) when it is empty.
 */
export function enforceRateLimit(
  limits: RateLimits,
  kind: RateLimitClass,
  client: string,
): Record<string, string> | undefined {
  const taken = limits.take(kind, client);
  if (!taken) return undefined;
  if (!taken.decision.allowed) {
    const wait = taken.decision.retryAfterSeconds;
    throw new AppError("rate_limited", `Too many requests. Retry in ${wait} s.`, {
      headers: { ...taken.headers, "retry-after": String(wait) },
    });
  }
  return taken.headers;
}

/**
 * The bucket a client address falls in: IPv4 as is, IPv6 by its /64 (one subscriber's
 * allocation, which a single client can rotate through freely). No address (a test calling the
 * app in-process) is one bucket of its own.
 */
export function addressBucket(address: string | undefined): string {
  if (address === undefined) return "unknown";
  if (!address.includes(":")) return address;
  return `${expandIpv6(address).slice(0, 4).join(":")}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = "", tail] = address.split("::");
  const parts = (text: string) => (text === "" ? [] : text.split(":").flatMap(hextetsOf));
  const left = parts(head);
  const right = tail === undefined ? [] : parts(tail);
  const zeros = Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => "0");
  return [...left, ...zeros, ...right].map((part) => Number.parseInt(part, 16).toString(16));
}

/** A dotted IPv4 tail of an IPv6 address is two hextets. */
function hextetsOf(part: string): string[] {
  if (!part.includes(".")) return [part];
  const [a = 0, b = 0, c = 0, d = 0] = part.split(".").map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
