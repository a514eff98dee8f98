import { createHmac, randomBytes } from "node:crypto";
import { isIP } from "node:net";

/**
 * "The same client" for the resume grace (docs/decisions/012-fair-counting.md): the client's
 * network (an IPv4 address whole, an IPv6 /64) and its User-Agent, hashed with a server secret.
 * The key is all the table keeps: without the secret it cannot be turned back into an address,
 * and it is only ever compared for equality.
 */
export function sameClientKey(
  secret: string,
  address: string | undefined,
  userAgent: string | undefined,
): string {
  return createHmac("sha256", secret)
    .update(`${networkOf(address)}\n${userAgent ?? ""}`)
    .digest("base64url")
    .slice(0, 16);
}

/** IPv4 as is (NAT already merges a household); IPv6 cut to its /64, the block one host rotates in. */
export function networkOf(address: string | undefined): string {
  if (!address) return "unknown";
  if (isIP(address) !== 6) return address;
  return `${expandIpv6(address).slice(0, 4).join(":")}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = "", tail] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) takes two groups; only the first four groups matter here.
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array.from({ length: missing }, () => "0"), ...right].map((group) =>
    group.includes(".") ? group : (Number.parseInt(group, 16) || 0).toString(16),
  );
}

/** A per-hit id made here, never taken from the request: it marks the write this hit made. */
export const newHitId = (): string => randomBytes(9).toString("base64url");
