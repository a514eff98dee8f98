import { describe, expect, it } from "vitest";
import { type ApiKey, apiKeyAccepts, currentSecretHash, rotationOf } from "./api-key.ts";

const now = new Date("2026-11-27T12:00:00.000Z");
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
const key: ApiKey = {
  id: "first",
  ownerId: "o",
  ownerName: "O",
  name: "ci",
  scopes: ["links:read"],
  keyHint: "aaaa",
  createdAt: "2026-11-01T00:00:00.000Z",
};
const rotated: ApiKey = {
  ...key,
  secretHash: "second",
  previousSecretHash: "first",
  previousSecretValidUntil: later(60),
};

describe("apiKeyAccepts", () => {
  it.each([
    ["a never-rotated key opens with its first secret", key, "first", now, true],
    ["…and with nothing else", key, "second", now, false],
    ["a rotated key opens with its new secret", rotated, "second", now, true],
    ["…and with the replaced one during the overlap", rotated, "first", now, true],
    ["…not at the overlap's end", rotated, "first", new Date(later(60)), false],
    ["…nor after it", rotated, "first", new Date(later(61)), false],
    ["…the new one still after it", rotated, "second", new Date(later(3600)), true],
    [
      "rotated twice: the first secret is refused at once",
      { ...rotated, secretHash: "third", previousSecretHash: "second" },
      "first",
      now,
      false,
    ],
    [
      "a revoked key refuses both secrets",
      { ...rotated, revokedAt: now.toISOString() },
      "second",
      now,
      false,
    ],
    ["…the previous one too", { ...rotated, revokedAt: now.toISOString() }, "first", now, false],
    [
      "an expired key refuses the previous secret",
      { ...rotated, expiresAt: now.toISOString() },
      "first",
      now,
      false,
    ],
    [
      "a previous secret without an end is refused",
      { ...rotated, previousSecretValidUntil: undefined },
      "first",
      now,
      false,
    ],
  ] as const)("%s", (_case, candidate, secret, at, expected) => {
    expect(apiKeyAccepts(candidate as ApiKey, secret, at)).toBe(expected);
  });
});

describe("rotationOf", () => {
  it("replaces the current secret (the id before any rotation), the overlap counted from now", () => {
    expect(rotationOf(key, { hash: "second", hint: "bbbb" }, now, 90)).toEqual({
      secretHash: "second",
      keyHint: "bbbb",
      previousSecretHash: "first",
      previousSecretValidUntil: later(90),
      rotatedAt: now.toISOString(),
    });
    expect(rotationOf(rotated, { hash: "third", hint: "cccc" }, now, 0).previousSecretHash).toBe("second");
    expect(currentSecretHash(rotated)).toBe("second");
  });
});
