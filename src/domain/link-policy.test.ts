import { describe, expect, it } from "vitest";
import {
  buyerMaxClients,
  type LinkPolicy,
  type PolicyRule,
  type PolicySubject,
  policyViolations,
  sellerLimitViolations,
} from "./link-policy.ts";

const now = new Date("2026-11-27T12:00:00.000Z");
const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();
const none: LinkPolicy = { requireMaxDownloads: false, requirePassphraseWhenUnlimited: false };
const strict: LinkPolicy = {
  maxExpiryDays: 30,
  requireMaxDownloads: true,
  maxDownloadsCap: 10,
  requirePassphraseWhenUnlimited: true,
};
const open: PolicySubject = { hasPassphrase: false };

describe("policyViolations", () => {
  it.each<[string, LinkPolicy, PolicySubject, PolicyRule[]]>([
    ["no policy: an unlimited link", none, open, []],
    [
      "no policy: anything goes",
      none,
      { expiresAt: inDays(9999), maxDownloads: 1_000_000, hasPassphrase: false },
      [],
    ],
    ["max expiry: none set", { ...none, maxExpiryDays: 30 }, open, ["maxExpiryDays"]],
    [
      "max expiry: null (PATCH removes it)",
      { ...none, maxExpiryDays: 30 },
      { ...open, expiresAt: null },
      ["maxExpiryDays"],
    ],
    [
      "max expiry: exactly at the limit",
      { ...none, maxExpiryDays: 30 },
      { ...open, expiresAt: inDays(30) },
      [],
    ],
    [
      "max expiry: 1 ms past it",
      { ...none, maxExpiryDays: 30 },
      { ...open, expiresAt: new Date(Date.parse(inDays(30)) + 1).toISOString() },
      ["maxExpiryDays"],
    ],
    ["max expiry: within", { ...none, maxExpiryDays: 30 }, { ...open, expiresAt: inDays(1) }, []],
    ["required maxDownloads: absent", { ...none, requireMaxDownloads: true }, open, ["requireMaxDownloads"]],
    [
      "required maxDownloads: null",
      { ...none, requireMaxDownloads: true },
      { ...open, maxDownloads: null },
      ["requireMaxDownloads"],
    ],
    ["required maxDownloads: set", { ...none, requireMaxDownloads: true }, { ...open, maxDownloads: 1 }, []],
    ["cap: at it", { ...none, maxDownloadsCap: 10 }, { ...open, maxDownloads: 10 }, []],
    ["cap: above", { ...none, maxDownloadsCap: 10 }, { ...open, maxDownloads: 11 }, ["maxDownloadsCap"]],
    ["cap alone does not require a limit", { ...none, maxDownloadsCap: 10 }, open, []],
    [
      "passphrase when unlimited: none",
      { ...none, requirePassphraseWhenUnlimited: true },
      open,
      ["requirePassphraseWhenUnlimited"],
    ],
    [
      "passphrase when unlimited: has one",
      { ...none, requirePassphraseWhenUnlimited: true },
      { hasPassphrase: true },
      [],
    ],
    [
      "passphrase when unlimited: limited link",
      { ...none, requirePassphraseWhenUnlimited: true },
      { ...open, maxDownloads: 3 },
      [],
    ],
    [
      "strict: everything missing",
      strict,
      open,
      ["maxExpiryDays", "requireMaxDownloads", "requirePassphraseWhenUnlimited"],
    ],
    [
      "strict: too many downloads, too long",
      strict,
      { expiresAt: inDays(31), maxDownloads: 11, hasPassphrase: true },
      ["maxExpiryDays", "maxDownloadsCap"],
    ],
    ["strict: fits", strict, { expiresAt: inDays(7), maxDownloads: 5, hasPassphrase: false }, []],
  ])("%s", (_, policy, subject, rules) => {
    const violations = policyViolations(policy, subject, now);
    expect(violations.map((violation) => violation.rule)).toEqual(rules);
    for (const violation of violations) expect(violation.message).toMatch(/LINK_[A-Z_]+/);
  });

  it("names the field each rule concerns", () => {
    expect(policyViolations(strict, { ...open, maxDownloads: 99 }, now).map((v) => [v.rule, v.path])).toEqual(
      [
        ["maxExpiryDays", "expiresAt"],
        ["maxDownloadsCap", "maxDownloads"],
      ],
    );
  });
});

describe("sellerLimitViolations", () => {
  it.each<[string, number | undefined, number | null | undefined, boolean]>([
    ["no seller limit: none", undefined, undefined, true],
    ["no seller limit: any", undefined, 20, true],
    ["no seller limit: removed", undefined, null, true],
    ["seller 3: none", 3, undefined, false],
    ["seller 3: removed (PATCH null)", 3, null, false],
    ["seller 3: lower", 3, 1, true],
    ["seller 3: the same", 3, 3, true],
    ["seller 3: one more", 3, 4, false],
    ["seller 1: 20", 1, 20, false],
  ])("%s", (_name, seller, maxClients, allowed) => {
    const violations = sellerLimitViolations(seller, maxClients);
    expect(violations.length === 0).toBe(allowed);
    for (const violation of violations) {
      expect(violation).toMatchObject({ rule: "sellerMaxClients", path: "maxClients" });
      expect(violation.message).toContain(`at most ${seller}`);
    }
  });

  it("a buyer's new link gets the seller's limit unless the buyer names one", () => {
    expect(buyerMaxClients(3, undefined)).toBe(3);
    expect(buyerMaxClients(3, 1)).toBe(1);
    expect(buyerMaxClients(undefined, undefined)).toBeUndefined();
  });
});
