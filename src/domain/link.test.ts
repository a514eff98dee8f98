import { describe, expect, it } from "vitest";
import { canManageLink, type Link, linkStatus, linkSubject } from "./link.ts";

const now = new Date("2026-11-24T12:00:00Z");
const base: Link = {
  id: "h",
  ownerId: "buyer",
  productId: "p",
  productTitle: "P",
  objectKey: "files/p/x",
  defaultFilename: "x.zip",
  tokenHint: "abcd",
  createdAt: "2026-11-01T00:00:00Z",
  downloadCount: 0,
};

describe("linkStatus", () => {
  it("is active with no limits", () => expect(linkStatus(base, now)).toBe("active"));
  it("revocation wins over everything", () =>
    expect(linkStatus({ ...base, revokedAt: "x", expiresAt: "2000-01-01T00:00:00Z" }, now)).toBe("revoked"));
  it("expires exactly at expiresAt", () => {
    expect(linkStatus({ ...base, expiresAt: now.toISOString() }, now)).toBe("expired");
    expect(linkStatus({ ...base, expiresAt: "2026-11-24T12:00:01Z" }, now)).toBe("active");
  });
  it("is exhausted when the count reaches the limit", () => {
    expect(linkStatus({ ...base, maxDownloads: 2, downloadCount: 1 }, now)).toBe("active");
    expect(linkStatus({ ...base, maxDownloads: 2, downloadCount: 2 }, now)).toBe("exhausted");
  });
});

describe("canManageLink", () => {
  it("lets the owner and the product's author manage, nobody else", () => {
    expect(canManageLink(base, "buyer", "seller")).toBe(true);
    expect(canManageLink(base, "seller", "seller")).toBe(true);
    expect(canManageLink(base, "stranger", "seller")).toBe(false);
    expect(canManageLink(base, "stranger", undefined)).toBe(false);
  });
});

describe("linkSubject", () => {
  it("is the product unless the link names a file; only a file's owner manages a file link", () => {
    expect(linkSubject(base)).toEqual({ kind: "product", productId: "p" });
    const fileLink = { ...base, productId: "evf_f", fileId: "evf_f" };
    expect(linkSubject(fileLink)).toEqual({ kind: "file", fileId: "evf_f" });
    expect(canManageLink(fileLink, "buyer", undefined)).toBe(true);
    // A product whose id happened to equal the file's could not lend its author the file's links.
    expect(canManageLink(fileLink, "seller", "seller")).toBe(false);
  });
});
