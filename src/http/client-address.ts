import { isIP } from "node:net";

/**
 * The address of the client a request came from: the TCP peer, unless the deployment names a
 * header its own proxy sets (CLIENT_ADDRESS_HEADER; in AWS `cloudfront-viewer-address`, since the
 * function URL's peer is a CloudFront edge). A header is trusted only when so configured: a
 * client that reaches the app directly could write any header it likes.
 */
export function clientAddress(request: {
  /** The TCP peer (node's socket.remoteAddress, a function URL's requestContext.http.sourceIp). */
  peer: string | undefined;
  /** The configured header's name (lower case), if any. */
  trustedHeader: string | undefined;
  header(name: string): string | undefined;
}): string | undefined {
  const forwarded = request.trustedHeader ? request.header(request.trustedHeader) : undefined;
  const fromHeader = forwarded === undefined ? undefined : fromHeaderValue(request.trustedHeader, forwarded);
  return fromHeader ?? normalize(request.peer);
}

/** `x-forwarded-for`-like lists: the rightmost entry is the one our proxy appended. */
function fromHeaderValue(name: string | undefined, value: string): string | undefined {
  const last = value.split(",").at(-1)?.trim() ?? "";
  if (name === "cloudfront-viewer-address") {
    // "198.51.100.10:46532" or "2001:db8::8a2e:370:7334:46532": the port follows the last colon.
    const colon = last.lastIndexOf(":");
    return normalize(colon > 0 ? last.slice(0, colon) : undefined);
  }
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(last)?.[1];
  if (bracketed) return normalize(bracketed);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(last)?.[1];
  return normalize(v4WithPort ?? last);
}

/** A valid IP in canonical-enough form (IPv4-mapped IPv6 as plain IPv4, IPv6 lower case), else undefined. */
export function normalize(candidate: string | undefined): string | undefined {
  if (!candidate) return undefined;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(candidate)?.[1];
  const address = mapped ?? candidate;
  const version = isIP(address);
  if (version === 4) return address;
  if (version === 6) return address.toLowerCase();
  return undefined;
}

/** The TCP peer as the runtime reports it: @hono/node-server's socket, or a function URL event. */
export function peerAddressOf(env: unknown): string | undefined {
  const bindings = env as
    | {
        incoming?: { socket?: { remoteAddress?: string } };
        requestContext?: { http?: { sourceIp?: string } };
      }
    | undefined;
  return bindings?.incoming?.socket?.remoteAddress ?? bindings?.requestContext?.http?.sourceIp;
}
