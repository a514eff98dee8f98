import { describe, expect, it } from "vitest";
import {
  checkTargetUrl,
  isPublicAddress,
  RETRY_DELAYS_SECONDS,
  signingSecrets,
  type Webhook,
} from "./webhook.ts";

describe("isPublicAddress", () => {
  it.each([
    ["8.8.8.8", true],
    ["1.1.1.1", true],
    ["52.95.110.1", true],
    ["2606:4700:4700::1111", true],
    ["127.0.0.1", false],
    ["10.1.2.3", false],
    ["172.16.0.1", false],
    ["172.31.255.255", false],
    ["172.32.0.1", true],
    ["192.168.1.1", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["0.0.0.0", false],
    ["224.0.0.1", false],
    ["255.255.255.255", false],
    ["::1", false],
    ["::", false],
    ["fe80::1", false],
    ["fd00:ec2::254", false],
    ["fc00::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["::ffff:8.8.8.8", true],
    ["2001:db8::1", false],
    ["ff02::1", false],
    ["not-an-ip", false],
  ])("%s → %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe("checkTargetUrl", () => {
  it.each([
    ["https://hooks.example.com/evergate", false, true],
    ["http://hooks.example.com/evergate", false, false],
    ["https://127.0.0.1/hook", false, false],
    ["https://169.254.169.254/latest/meta-data", false, false],
    ["https://[::1]/hook", false, false],
    ["https://localhost/hook", false, false],
    ["http://127.0.0.1:8080/hook", true, true],
    ["http://localhost:8080/hook", true, true],
    ["http://10.0.0.5/hook", true, false],
    ["https://user:pass@hooks.example.com/", false, false],
    ["ftp://hooks.example.com/", false, false],
    ["nonsense", false, false],
  ])("%s (loopback allowed: %s) → %s", (url, allowLoopback, ok) => {
    expect(checkTargetUrl(url, allowLoopback).ok).toBe(ok);
  });
});

describe("the retry schedule", () => {
  it("keeps trying for more than 24 hours", () => {
    const total = RETRY_DELAYS_SECONDS.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBeGreaterThan(24 * 3600);
  });
});

describe("signingSecrets", () => {
  it("signs with the current secret and a rotated one until its overlap ends", () => {
    const webhook = {
      secrets: [{ secret: "whsec_new" }, { secret: "whsec_old", expiresAt: "2026-11-28T00:00:00.000Z" }],
    } as Webhook;
    expect(signingSecrets(webhook, new Date("2026-11-27T12:00:00Z"))).toEqual(["whsec_new", "whsec_old"]);
    expect(signingSecrets(webhook, new Date("2026-11-28T00:00:01Z"))).toEqual(["whsec_new"]);
  });
});
