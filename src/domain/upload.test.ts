import { describe, expect, it } from "vitest";
import { imageMatchesContentType } from "./upload.ts";

const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0, 0, 0, 0, 0]);
const webp = Uint8Array.from([0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x45, 0x42, 0x50]);
const html = new TextEncoder().encode("<html><script>alert(1)</script>");

describe("imageMatchesContentType", () => {
  it("accepts each image type only with its own signature", () => {
    expect(imageMatchesContentType(png, "image/png")).toBe(true);
    expect(imageMatchesContentType(jpeg, "image/jpeg")).toBe(true);
    expect(imageMatchesContentType(webp, "image/webp")).toBe(true);
    expect(imageMatchesContentType(png, "image/jpeg")).toBe(false);
    expect(imageMatchesContentType(jpeg, "image/webp")).toBe(false);
  });
  it("refuses HTML posing as an image, and unknown types", () => {
    expect(imageMatchesContentType(html, "image/png")).toBe(false);
    expect(imageMatchesContentType(png, "image/svg+xml")).toBe(false);
    expect(imageMatchesContentType(new Uint8Array(), "image/png")).toBe(false);
  });
});
