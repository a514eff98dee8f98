/**
 * A token bucket per client, in memory, with bounded memory: at most `maxClients` buckets are
 * kept, the least recently seen dropped first. A dropped bucket is a full one when its client
 * comes back, so an attacker rotating addresses can only make other clients' limits more
 * lenient for a moment, never make anyone wait (docs/decisions/014-rate-limits.md).
 */
export interface RateLimitPolicy {
  /** The policy's name in the RateLimit and RateLimit-Policy headers. */
  name: string;
  /** Requests per window; also the burst (a full bucket). */
  limit: number;
  windowSeconds: number;
  maxClients: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole requests left now. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one request is allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly policy: RateLimitPolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = policy.limit / (policy.windowSeconds * 1000);
  }

  /** Takes one request from the client's bucket. */
  take(client: string): RateLimitDecision {
    const now = this.now();
    const { limit, maxClients } = this.policy;
    const bucket = this.buckets.get(client);
    let tokens = limit;
    if (bucket) {
      tokens = Math.min(limit, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
      // Re-inserted below: the Map's order is then least recently seen first.
      this.buckets.delete(client);
    }
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.buckets.set(client, { tokens, at: now });
    if (this.buckets.size > maxClients) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return {
      allowed,
      remaining: Math.floor(tokens),
      resetSeconds: Math.ceil((limit - tokens) / this.perMs / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)),
    };
  }

  /** How many clients have a bucket now (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }
}
