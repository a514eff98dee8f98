import { isIP } from "node:net";

export const WEBHOOK_EVENT_TYPES = [
  "link.created",
  "link.downloaded",
  "link.refused",
  "link.exhausted",
  "link.revoked",
  "link.rotated",
  "order.created",
  "order.refunded",
  "product.updated",
  "product.deleted",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookSecret {
  /** `whsec_` + base64 of 32 random bytes, as Standard Webhooks has it. */
  secret: string;
  /** Set on the previous secret when the secret is rotated: signed with both until then. */
  expiresAt?: string;
}

export interface Webhook {
  id: string;
  ownerId: string;
  url: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  createdAt: string;
  secrets: WebhookSecret[];
  /** Failed attempts in a row, over every delivery; a success resets it. */
  failureStreak: number;
  /** Why the webhook was turned off by Evergate (a run of failures), if it was. */
  disabledReason?: string;
}

/**
 * Seconds after the first attempt's failure at which each retry runs (Standard Webhooks'
 * suggested schedule): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — the last try ~27.6 h after
 * the event, so a receiver down for a day still gets it.
 */
export const RETRY_DELAYS_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

/** How long the previous secret keeps signing after a rotation. */
export const SECRET_OVERLAP_HOURS = 24;

/** The secrets that sign now: the current one and any rotated one still in its overlap. */
export function signingSecrets(webhook: Webhook, now: Date): string[] {
  return webhook.secrets
    .filter((secret) => !secret.expiresAt || Date.parse(secret.expiresAt) > now.getTime())
    .map((secret) => secret.secret);
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * A target a webhook may have: https, no credentials, a host name or a public address. Plain
 * http and loopback only when `allowLoopback` (a local stack's receiver), never in a deployment.
 * A host name is checked again where it matters, at connect time (src/storage/http-webhook-sender.ts).
 */
export function checkTargetUrl(raw: string, allowLoopback: boolean): UrlCheck {
  if (!URL.canParse(raw)) return { ok: false, reason: "not a URL" };
  const url = new URL(raw);
  if (url.username || url.password) return { ok: false, reason: "credentials in the URL" };
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || (isIP(host) !== 0 && isLoopback(host));
  if (url.protocol !== "https:" && !(allowLoopback && url.protocol === "http:")) {
    return { ok: false, reason: "must be https" };
  }
  if (isIP(host) !== 0 && !isPublicAddress(host) && !(allowLoopback && loopback)) {
    return { ok: false, reason: "not a public address" };
  }
  if (host === "localhost" && !allowLoopback) return { ok: false, reason: "not a public address" };
  return { ok: true, url };
}

const isLoopback = (address: string) =>
  /^127\./.test(address) || address === "::1" || /^::ffff:127\./i.test(address);

function v4Number(address: string): number {
  return address.split(".").reduce((sum, part) => sum * 256 + Number(part), 0);
}

const V4_BLOCKED: Array<[string, number]> = [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata (169.254.169.254)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];

/** True only for a globally routable unicast address: what a webhook may connect to in AWS. */
export function isPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) {
    const value = v4Number(address);
    return !V4_BLOCKED.some(([base, bits]) => {
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return (value & mask) >>> 0 === (v4Number(base) & mask) >>> 0;
    });
  }
  if (version === 6) {
    const lower = address.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
    if (mapped) return isPublicAddress(mapped);
    if (lower === "::" || lower === "::1") return false;
    const first = Number.parseInt(lower.split(":")[0] || "0", 16);
    if ((first & 0xfe00) === 0xfc00) return false; // unique local fc00::/7 (AWS metadata fd00:ec2::254)
    if ((first & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
    if ((first & 0xff00) === 0xff00) return false; // multicast
    if (lower.startsWith("2001:db8:") || lower.startsWith("64:ff9b:") || lower.startsWith("2002:"))
      return false;
    if (/^::/.test(lower)) return false; // IPv4-compatible and other :: forms
    return (first & 0xe000) === 0x2000; // global unicast 2000::/3 only
  }
  return false;
}
