import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  hashToken,
  LEGACY_TOKEN_LENGTH,
  legacyIdPrefix,
  mintLegacyToken,
  mintToken,
  newTokenKeyEntry,
  parseTokenKeys,
  TOKEN_LENGTH,
  tokenFormat,
  tokenPrefixes,
} from "./token.ts";

const keys = parseTokenKeys(newTokenKeyEntry("k"));
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

describe("tokens", () => {
  it("mints prefixed tokens whose keyed tag verifies", () => {
    const link = mintToken("link", keys);
    const key = mintToken("apiKey", keys);
    expect(link.token.startsWith(`${tokenPrefixes.link}k`)).toBe(true);
    expect(key.token.startsWith(`${tokenPrefixes.apiKey}k`)).toBe(true);
    expect(link.token).toHaveLength(TOKEN_LENGTH);
    expect(link.token).toMatch(/^evg_[0-9A-Za-z]{34}$/);
    expect(tokenFormat("link", link.token, keys)).toBe("keyed");
    expect(tokenFormat("apiKey", key.token, keys)).toBe("keyed");
  });

  it("never accepts a token of the other kind", () => {
    expect(tokenFormat("apiKey", mintToken("link", keys).token, keys)).toBe("invalid");
    expect(tokenFormat("link", mintToken("apiKey", keys).token, keys)).toBe("invalid");
  });

  it("stores only a SHA-256 hash, and the hint is the last four characters", () => {
    const { token, hash, hint } = mintToken("link", keys);
    expect(hash).toBe(hashToken(token));
    expect(hash).not.toContain(token.slice(5, 20));
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hint).toBe(token.slice(-4));
  });

  it("does not repeat across many mints", () => {
    const seen = new Set(Array.from({ length: 10_000 }, () => mintToken("link", keys).token));
    expect(seen.size).toBe(10_000);
  });

  it("refuses every single-character change (the tag covers every character)", () => {
    const { token } = mintToken("link", keys);
    let accepted = 0;
    for (let i = 4; i < token.length; i++) {
      for (const ch of BASE62) {
        if (ch === token[i]) continue;
        if (tokenFormat("link", token.slice(0, i) + ch + token.slice(i + 1), keys) !== "invalid") accepted++;
      }
    }
    expect(accepted).toBe(0);
  });

  it("refuses 20,000 tokens tagged with a key the server does not have, under its key id", () => {
    const forger = parseTokenKeys(newTokenKeyEntry("k"));
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      if (tokenFormat("link", mintToken("link", forger).token, keys) !== "invalid") accepted++;
    }
    expect(accepted).toBe(0);
  });

  it("rotates: a new key mints, an old one still verifies until it is removed", () => {
    const old = newTokenKeyEntry("a");
    const before = mintToken("link", parseTokenKeys(old)).token;
    const rotated = parseTokenKeys(`${newTokenKeyEntry("b")},${old}`);
    const after = mintToken("link", rotated).token;
    expect(after[4]).toBe("b");
    expect(tokenFormat("link", before, rotated)).toBe("keyed");
    expect(tokenFormat("link", after, rotated)).toBe("keyed");
    const retired = parseTokenKeys(
      rotated.keys.get("b") ? `b:${rotated.keys.get("b")?.toString("base64url")}` : "",
    );
    expect(tokenFormat("link", before, retired)).toBe("invalid");
    expect(tokenFormat("link", after, retired)).toBe("keyed");
  });

  it("tells legacy (CRC-32) tokens apart; a mistyped legacy token is invalid", () => {
    const { token, hash } = mintLegacyToken("link");
    expect(token).toHaveLength(LEGACY_TOKEN_LENGTH);
    expect(tokenFormat("link", token, keys)).toBe("legacy");
    expect(tokenFormat("apiKey", token, keys)).toBe("invalid");
    expect(tokenFormat("link", `${token.slice(0, -1)}${token.endsWith("0") ? "1" : "0"}`, keys)).toBe(
      "invalid",
    );
    expect(legacyIdPrefix(hash)).toBe(Buffer.from(hash, "base64url").readBigUInt64BE(0));
  });

  it("refuses arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (candidate) => {
        expect(tokenFormat("link", candidate, keys)).toBe("invalid");
      }),
      { numRuns: 5000 },
    );
  });
});
