import { describe, expect, it } from "vitest";
import { isMintedFileId, MAX_PARTS_PER_UPLOAD, partSizes, planParts, S3_MIN_PART_BYTES } from "./file.ts";
import { mintToken, newTokenKeyEntry, parseTokenKeys } from "./token.ts";

const MiB = 1024 * 1024;

describe("planParts", () => {
  it("uses the preferred part size, never below S3's 5 MiB", () => {
    expect(planParts(16 * MiB, 5 * MiB)).toEqual({ partSize: 5 * MiB, partCount: 4 });
    expect(planParts(16 * MiB, 1 * MiB)).toEqual({ partSize: S3_MIN_PART_BYTES, partCount: 4 });
    expect(planParts(200 * MiB, 16 * MiB)).toEqual({ partSize: 16 * MiB, partCount: 13 });
  });
  it("grows the parts so no upload needs more than MAX_PARTS_PER_UPLOAD URLs", () => {
    const fiveGiB = 5 * 1024 * MiB;
    const plan = planParts(fiveGiB, 5 * MiB);
    expect(plan.partCount).toBeLessThanOrEqual(MAX_PARTS_PER_UPLOAD);
    expect(plan.partSize % MiB).toBe(0);
    expect(plan.partSize * plan.partCount).toBeGreaterThanOrEqual(fiveGiB);
    expect(() => planParts(6 * 1024 * 1024 * MiB, 5 * MiB)).toThrow(RangeError);
  });
  it("partSizes adds up to the file, the last part taking the rest", () => {
    const sizes = partSizes(16 * MiB + 3, planParts(16 * MiB + 3, 5 * MiB));
    expect(sizes).toEqual([5 * MiB, 5 * MiB, 5 * MiB, MiB + 3]);
    expect(partSizes(10 * MiB, planParts(10 * MiB, 5 * MiB))).toEqual([5 * MiB, 5 * MiB]);
  });
});

describe("isMintedFileId", () => {
  const keys = parseTokenKeys(newTokenKeyEntry("a"));
  it("accepts only ids minted under a server key, as files", () => {
    const id = mintToken("file", keys).token;
    expect(isMintedFileId(id, keys)).toBe(true);
    expect(isMintedFileId(`${id.slice(0, -1)}${id.endsWith("A") ? "B" : "A"}`, keys)).toBe(false);
    expect(isMintedFileId(mintToken("link", keys).token, keys)).toBe(false);
    expect(isMintedFileId(id, parseTokenKeys(newTokenKeyEntry("a")))).toBe(false);
    expect(isMintedFileId("evf_", keys)).toBe(false);
  });
});
