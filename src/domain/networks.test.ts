import { describe, expect, it } from "vitest";
import { canonicalNetwork, networkAllows } from "./networks.ts";

describe("allowed networks", () => {
  it.each([
    ["203.0.113.7/24", "203.0.113.0/24"],
    ["203.0.113.7", "203.0.113.7/32"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["2001:DB8:0:0:1::5/64", "2001:db8::/64"],
    ["2001:db8::1", "2001:db8::1/128"],
    ["::/0", "::/0"],
    ["::ffff:192.0.2.1/128", "::ffff:c000:201/128"],
    ["fe80:0:0:0:0:0:0:0/10", "fe80::/10"],
  ])("%s is %s", (raw, canonical) => {
    expect(canonicalNetwork(raw)).toBe(canonical);
  });

  it.each([
    "",
    "10.0.0.0/33",
    "2001:db8::/129",
    "10.0.0/8",
    "10.0.0.0/8/1",
    "example.com/8",
    "10.0.0.0/-1",
    "fe80::1%eth0/64",
    "10.0.0.0/ 8",
  ])("refuses %j", (raw) => {
    expect(canonicalNetwork(raw)).toBeNull();
  });

  it("allows only addresses inside a block, IPv4, IPv4-mapped and IPv6", () => {
    const networks = ["203.0.113.0/24", "2001:db8:1::/48"];
    expect(networkAllows(networks, "203.0.113.200")).toBe(true);
    expect(networkAllows(networks, "::ffff:203.0.113.9")).toBe(true);
    expect(networkAllows(networks, "203.0.114.1")).toBe(false);
    expect(networkAllows(networks, "2001:db8:1:ffff::1")).toBe(true);
    expect(networkAllows(networks, "2001:db8:2::1")).toBe(false);
    expect(networkAllows(networks, undefined)).toBe(false);
    expect(networkAllows(networks, "not an address")).toBe(false);
    expect(networkAllows([], "203.0.113.1")).toBe(false);
  });

  it("decides 10,000 random IPv4 addresses as a plain mask comparison would", () => {
    const networks = ["10.20.0.0/14", "192.168.7.0/28"];
    const inside = (a: number) => a >>> 18 === 0x0a140000 >>> 18 || a >>> 4 === 0xc0a80700 >>> 4;
    for (let index = 0; index < 10_000; index += 1) {
      const value =
        index % 3 === 0
          ? 0x0a140000 + Math.floor(Math.random() * 0x80000)
          : Math.floor(Math.random() * 2 ** 32);
      const text = [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
      expect(networkAllows(networks, text)).toBe(inside(value >>> 0));
    }
  });
});
