import type { Link } from "./link.ts";

/** Why a hit on a known link was answered as it was. */
export const HIT_OUTCOMES = [
  "granted",
  "revoked",
  "expired",
  "exhausted",
  "rate_limited",
  // Link policies (docs/decisions/025-link-policies.md): not from an allowed network, every device
  // place taken, a wrong passphrase, and a hit while wrong passphrases lock the link.
  "network",
  "device_limit",
  "passphrase",
  "locked",
] as const;
export type HitOutcome = (typeof HIT_OUTCOMES)[number];

/**
 * What the gateway knows about one hit, written with the hit's own write (`lastHit` on a granted
 * download, `lastRefusal` on a refused one). No address: `clientId` is a keyed hash of it.
 */
export interface LinkHit {
  at: string;
  /** Keyed hash of the client's address (src/gateway/hit.ts): counts devices, reveals no IP. */
  clientId: string;
  /** The User-Agent, cut short; the consumer classifies it and keeps only the families. */
  userAgent?: string;
  /** ISO 3166 alpha-2 from the deployment's edge (CloudFront), absent locally. */
  country?: string;
  outcome: HitOutcome;
  /** A hot link's flush (ADR 024): the hits it adds; the fields above are the last one's. */
  count?: number;
}

/** A link as stored, with the hits the gateway wrote on it. */
export type StoredLink = Link & { lastHit?: LinkHit; lastRefusal?: LinkHit; rotated?: boolean };

export const CLIENT_CLASSES = ["browser", "cli", "preview", "other"] as const;
export type ClientClass = (typeof CLIENT_CLASSES)[number];

export interface ClientInfo {
  class: ClientClass;
  browser?: string;
  os?: string;
}

export const ACCESS_EVENT_KINDS = [
  "created",
  "download",
  "refused",
  "exhausted",
  "revoked",
  "rotated",
] as const;
export type AccessEventKind = (typeof ACCESS_EVENT_KINDS)[number];

/** One entry of a link's access log. */
export interface AccessEvent {
  id: string;
  linkId: string;
  productId: string;
  ownerId: string;
  at: string;
  kind: AccessEventKind;
  /** For downloads and refusals: granted, or the reason of the refusal. */
  outcome?: HitOutcome;
  clientId?: string;
  client?: ClientInfo;
  country?: string;
  /**
   * A hot link's summary (ADR 024): this many downloads, flushed by one instance in one write;
   * client, country and time are those of the last of them. Absent: one download.
   */
  count?: number;
}

/** An access event before it has an id and a client class (the consumer adds both). */
export type DerivedEvent = Omit<AccessEvent, "id" | "client"> & { userAgent?: string };

/**
 * The events one change of a link item means, from its images before and after (a DynamoDB
 * Streams record). A download is a downloadCount that went up; a refusal a new lastRefusal.
 * Pure: the stream consumer in AWS and the stand-in's stream locally feed it the same images.
 */
export function eventsOfLinkChange(
  before: StoredLink | undefined,
  after: StoredLink | undefined,
): DerivedEvent[] {
  const link = after ?? before;
  if (!link) return [];
  const base = { linkId: link.id, productId: link.productId, ownerId: link.ownerId };
  if (!before && after) return [{ ...base, kind: "created", at: after.createdAt }];
  if (!before || !after) return [];
  const events: DerivedEvent[] = [];
  const hitEvent = (kind: "download" | "refused", hit: LinkHit): DerivedEvent => ({
    ...base,
    kind,
    at: hit.at,
    outcome: hit.outcome,
    clientId: hit.clientId,
    ...(hit.userAgent ? { userAgent: hit.userAgent } : {}),
    ...(hit.country ? { country: hit.country } : {}),
  });
  if (after.downloadCount > before.downloadCount) {
    const hit = after.lastHit ?? {
      at: after.lastDownloadAt ?? new Date(0).toISOString(),
      clientId: "",
      outcome: "granted" as const,
    };
    // A hot link's flush (ADR 024) adds many downloads in one write: one event that says how many.
    const count = after.downloadCount - before.downloadCount;
    events.push({ ...hitEvent("download", hit), ...(count > 1 ? { count } : {}) });
    if (after.maxDownloads !== undefined && after.downloadCount >= after.maxDownloads) {
      events.push({ ...base, kind: "exhausted", at: hit.at });
    }
  }
  if (after.lastRefusal && after.lastRefusal.at !== before.lastRefusal?.at) {
    events.push(hitEvent("refused", after.lastRefusal));
  }
  if (after.revokedAt && !before.revokedAt) {
    events.push({ ...base, kind: after.rotated ? "rotated" : "revoked", at: after.revokedAt });
  }
  return events;
}
