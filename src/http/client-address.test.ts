import { describe, expect, it } from "vitest";
import { clientAddress, normalize, peerAddressOf } from "./client-address.ts";

const request = (
  peer: string | undefined,
  trustedHeader: string | undefined,
  headers: Record<string, string>,
) => ({
  peer,
  trustedHeader,
  header: (name: string) => headers[name],
});

describe("clientAddress", () => {
  it("is the TCP peer when no header is trusted, whatever headers the client sends", () => {
    const spoofed = { "x-forwarded-for": "203.0.113.9", "cloudfront-viewer-address": "203.0.113.9:1" };
    expect(clientAddress(request("198.51.100.7", undefined, spoofed))).toBe("198.51.100.7");
  });

  it("reads CloudFront's viewer address (IPv4 and IPv6, port after the last colon)", () => {
    const h = "cloudfront-viewer-address";
    expect(clientAddress(request("10.0.0.1", h, { [h]: "198.51.100.10:46532" }))).toBe("198.51.100.10");
    expect(clientAddress(request("10.0.0.1", h, { [h]: "2001:DB8::8a2e:370:7334:46532" }))).toBe(
      "2001:db8::8a2e:370:7334",
    );
  });

  it("takes the rightmost x-forwarded-for entry: the one the trusted proxy appended", () => {
    const h = "x-forwarded-for";
    expect(clientAddress(request("10.0.0.1", h, { [h]: "6.6.6.6, 203.0.113.4" }))).toBe("203.0.113.4");
    expect(clientAddress(request("10.0.0.1", h, { [h]: "[2001:db8::1]:443" }))).toBe("2001:db8::1");
    expect(clientAddress(request("10.0.0.1", h, { [h]: "203.0.113.4:8080" }))).toBe("203.0.113.4");
  });

  it("falls back to the peer when the trusted header is missing or not an address", () => {
    const h = "x-forwarded-for";
    expect(clientAddress(request("::ffff:127.0.0.1", h, {}))).toBe("127.0.0.1");
    expect(clientAddress(request("127.0.0.1", h, { [h]: "not an ip" }))).toBe("127.0.0.1");
    expect(clientAddress(request(undefined, h, { [h]: "<script>" }))).toBeUndefined();
  });
});

describe("normalize", () => {
  it("accepts only IP addresses", () => {
    expect(normalize("1.2.3.4")).toBe("1.2.3.4");
    expect(normalize("::FFFF:1.2.3.4")).toBe("1.2.3.4");
    expect(normalize("1.2.3.4.5")).toBeUndefined();
    expect(normalize("")).toBeUndefined();
  });
});

describe("peerAddressOf", () => {
  it("reads node's socket and a function URL event", () => {
    expect(peerAddressOf({ incoming: { socket: { remoteAddress: "::1" } } })).toBe("::1");
    expect(peerAddressOf({ requestContext: { http: { sourceIp: "1.2.3.4" } } })).toBe("1.2.3.4");
    expect(peerAddressOf(undefined)).toBeUndefined();
  });
});
