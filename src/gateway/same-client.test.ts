import { describe, expect, it } from "vitest";
import { networkOf, newHitId, sameClientKey } from "./same-client.ts";

describe("the same client", () => {
  const secret = "s".repeat(32);
  const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

  it("is one key for one address and user agent, another for any other", () => {
    const key = sameClientKey(secret, "198.51.100.7", firefox);
    expect(key).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(sameClientKey(secret, "198.51.100.7", firefox)).toBe(key);
    expect(sameClientKey(secret, "198.51.100.8", firefox)).not.toBe(key);
    expect(sameClientKey(secret, "198.51.100.7", "curl/8.5.0")).not.toBe(key);
    expect(sameClientKey(`${secret}x`, "198.51.100.7", firefox)).not.toBe(key);
  });

  it("keeps no address: the key does not contain it and differs per secret", () => {
    const key = sameClientKey(secret, "203.0.113.9", firefox);
    expect(key).not.toContain("203");
    expect(sameClientKey("another secret of enough length!!", "203.0.113.9", firefox)).not.toBe(key);
  });

  it("treats one IPv6 /64 as one client (privacy addresses rotate inside it)", () => {
    expect(networkOf("2001:db8:aaaa:1::1")).toBe("2001:db8:aaaa:1::/64");
    expect(networkOf("2001:0db8:aaaa:0001:ffff:1:2:3")).toBe("2001:db8:aaaa:1::/64");
    expect(networkOf("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(networkOf("::1")).toBe("0:0:0:0::/64");
    expect(sameClientKey(secret, "2001:db8:aaaa:1::1", firefox)).toBe(
      sameClientKey(secret, "2001:db8:aaaa:1:9f3c:22ff:fe01:7", firefox),
    );
    expect(sameClientKey(secret, "2001:db8:aaaa:1::1", firefox)).not.toBe(
      sameClientKey(secret, "2001:db8:aaaa:2::1", firefox),
    );
  });

  it("keeps IPv4 whole: a neighbour in the same /24 is another client", () => {
    expect(networkOf("198.51.100.7")).toBe("198.51.100.7");
    expect(sameClientKey(secret, "198.51.100.7", firefox)).not.toBe(
      sameClientKey(secret, "198.51.100.8", firefox),
    );
    expect(networkOf(undefined)).toBe("unknown");
  });

  it("makes a fresh hit id each time", () => {
    const ids = new Set(Array.from({ length: 10_000 }, newHitId));
    expect(ids.size).toBe(10_000);
  });
});
