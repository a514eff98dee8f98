import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashToken, isWellFormedToken, mintToken, TOKEN_LENGTH, tokenPrefixes } from "./token.ts";

describe("tokens", () => {
  it("mints prefixed tokens that pass their own checksum", () => {
    const link = mintToken("link");
    const key = mintToken("apiKey");
    expect(link.token.startsWith(tokenPrefixes.link)).toBe(true);
    expect(key.token.startsWith(tokenPrefixes.apiKey)).toBe(true);
    expect(link.token).toHaveLength(TOKEN_LENGTH);
    expect(isWellFormedToken("link", link.token)).toBe(true);
    expect(isWellFormedToken("apiKey", key.token)).toBe(true);
  });

  it("never accepts a token of the other kind", () => {
    expect(isWellFormedToken("apiKey", mintToken("link").token)).toBe(false);
    expect(isWellFormedToken("link", mintToken("apiKey").token)).toBe(false);
  });

  it("stores only a SHA-256 hash, and the hint is the last four characters", () => {
    const { token, hash, hint } = mintToken("link");
    expect(hash).toBe(hashToken(token));
    expect(hash).not.toContain(token.slice(4, 20));
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hint).toBe(token.slice(-4));
  });

  it("does not repeat across many mints", () => {
    const seen = new Set(Array.from({ length: 10_000 }, () => mintToken("link").token));
    expect(seen.size).toBe(10_000);
  });

  it("refuses every single-character change (checksum catches typos)", () => {
    const { token } = mintToken("link");
    const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let accepted = 0;
    for (let i = 4; i < token.length; i++) {
      for (const ch of alphabet) {
        if (ch === token[i]) continue;
        const mutated = token.slice(0, i) + ch + token.slice(i + 1);
        if (isWellFormedToken("link", mutated)) accepted++;
      }
    }
    expect(accepted).toBe(0);
  });

  it("refuses arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (candidate) => {
        expect(isWellFormedToken("link", candidate)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});
