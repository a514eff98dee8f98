import { BlockList, isIPv4, isIPv6 } from "node:net";

/**
 * A link's allow-list of networks: CIDR blocks, IPv4 and IPv6. Kept as canonical strings
 * (`203.0.113.0/24`, `2001:db8::/32`): the network address with its host bits cleared, lower case.
 */
export const MAX_ALLOWED_NETWORKS = 20;

/** The canonical form of a CIDR block, or null when it is not one. A bare address is its /32 or /128. */
export function canonicalNetwork(raw: string): string | null {
  const [address = "", prefixText, extra] = raw.trim().split("/");
  if (extra !== undefined) return null;
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : 0;
  if (family === 0 || address.includes("%")) return null;
  const bits = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return null;
  const value = family === 4 ? ipv4Value(address) : ipv6Value(address);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  const network = value & mask;
  return `${family === 4 ? ipv4Text(network) : ipv6Text(network)}/${prefix}`;
}

/** Whether the address is inside one of the blocks; an unknown or malformed address is inside none. */
export function networkAllows(networks: readonly string[], address: string | undefined): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const candidate = mapped ?? address;
  const type = isIPv4(candidate) ? "ipv4" : isIPv6(candidate) ? "ipv6" : undefined;
  if (!type) return false;
  const list = new BlockList();
  for (const network of networks) {
    const [block, prefix] = network.split("/");
    if (!block || prefix === undefined) continue;
    list.addSubnet(block, Number(prefix), isIPv4(block) ? "ipv4" : "ipv6");
  }
  return list.check(candidate, type);
}

function ipv4Value(address: string): bigint {
  return address.split(".").reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n);
}

function ipv4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join(".");
}

function ipv6Value(address: string): bigint {
  let text = address.toLowerCase();
  const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (embedded) {
    const v4 = ipv4Value(embedded);
    text = `${text.slice(0, -embedded.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return groups.reduce((sum, group) => (sum << 16n) + BigInt(Number.parseInt(group || "0", 16)), 0n);
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run of two or more zero groups as `::`. */
function ipv6Text(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, index) =>
    Number((value >> BigInt(112 - index * 16)) & 0xffffn),
  );
  let best = { start: -1, length: 0 };
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - start > best.length) best = { start, length: end - start };
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.length < 2) return hex.join(":");
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
}
