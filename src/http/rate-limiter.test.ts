import { describe, expect, it } from "vitest";
import { loadConfig } from "#src/config.ts";
import { AppError } from "#src/domain/errors.ts";
import { newTokenKeyEntry } from "#src/domain/token.ts";
import { TokenBucketLimiter } from "./rate-limiter.ts";
import { addressBucket, createRateLimits, enforceRateLimit } from "./rate-limits.ts";

const policy = { name: "link", limit: 60, windowSeconds: 60, maxClients: 1_000 };

describe("TokenBucketLimiter", () => {
  it("allows a burst of the limit, then refuses with the wait until one request refills", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter(policy, () => now);
    const decisions = Array.from({ length: 61 }, () => limiter.take("a"));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(60);
    const refused = decisions.at(-1);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1, resetSeconds: 60 });
    now += 999;
    expect(limiter.take("a").allowed).toBe(false);
    now += 2;
    expect(limiter.take("a").allowed).toBe(true);
    now += 60_000;
    expect(limiter.take("a")).toMatchObject({ allowed: true, remaining: 59 });
  });

  it("keeps one client's bucket apart from another's", () => {
    const limiter = new TokenBucketLimiter(policy, () => 0);
    for (let i = 0; i < 500; i++) limiter.take("attacker");
    expect(limiter.take("victim")).toMatchObject({ allowed: true, remaining: 59 });
  });

  it("an address-rotating flood of 200,000 clients keeps memory at maxClients", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter(policy, () => now);
    for (let i = 0; i < 200_000; i++) {
      limiter.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${i}`);
      if (i % 1000 === 0) now++;
    }
    expect(limiter.size).toBe(1_000);
    // A client seen recently keeps its (empty) bucket while the flood goes on
    for (let i = 0; i < 60; i++) limiter.take("busy");
    for (let i = 0; i < 900; i++) limiter.take(`rotated-${i}`);
    expect(limiter.take("busy").allowed).toBe(false);
  });
});

describe("addressBucket", () => {
  it("IPv4 as is; IPv6 by its /64, however it is written", () => {
    expect(addressBucket("198.51.100.7")).toBe("198.51.100.7");
    expect(addressBucket("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressBucket("::1")).toBe("0:0:0:0::/64");
    expect(addressBucket("64:ff9b::192.0.2.33")).toBe("64:ff9b:0:0::/64");
    expect(addressBucket(undefined)).toBe("unknown");
  });
});

describe("enforceRateLimit", () => {
  const config = (overrides: Record<string, string>) =>
    loadConfig({
      COGNITO_ISSUER: "http://127.0.0.1:9/x",
      COGNITO_CLIENT_ID: "x",
      TOKEN_KEYS: newTokenKeyEntry(),
      ...overrides,
    });

  it("answers RateLimit headers, then a 429 problem with Retry-After", () => {
    const limits = createRateLimits(config({ RATE_LIMIT_EXPENSIVE_PER_MINUTE: "2" }), () => 0);
    expect(enforceRateLimit(limits, "expensive", "user:a")).toEqual({
      "ratelimit-policy": '"expensive";q=2;w=60',
      ratelimit: '"expensive";r=1;t=30',
    });
    enforceRateLimit(limits, "expensive", "user:a");
    let error: unknown;
    try {
      enforceRateLimit(limits, "expensive", "user:a");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("rate_limited");
    expect((error as AppError).extra.headers).toEqual({
      "ratelimit-policy": '"expensive";q=2;w=60',
      ratelimit: '"expensive";r=0;t=60',
      "retry-after": "30",
    });
  });

  it("does nothing when limits are off", () => {
    const limits = createRateLimits(config({ RATE_LIMITS_ENABLED: "false" }));
    for (let i = 0; i < 1_000; i++) expect(enforceRateLimit(limits, "link", "a")).toBeUndefined();
  });
});
