import { type Link, linkStatus } from "./link.ts";

/**
 * A hit on a link that asks for the file, as the store's one conditional write sees it. The rules
 * over it are src/gateway/decide-hit.ts; docs/decisions/012-fair-counting.md says why.
 */

/** How many clients' grace a link remembers at once; a client's slot is fixed by its key. */
export const GRACE_SLOTS = 4;

/** One remembered counted download: who, until when it may resume uncounted, and which request. */
export interface GraceSlot {
  /** The client's key (src/gateway/same-client.ts): a keyed hash, never an address. */
  client: string;
  /** Epoch seconds until which that client's hits are served without counting. */
  until: number;
  /** The id of the request that counted, so a retried write that already applied is recognised. */
  request: string;
}

export interface DownloadHit {
  /** Only a POST (an explicit ask) may spend a limited link; a GET never does. */
  method: "GET" | "POST";
  client: string;
  /** Fresh per hit, made by the server (never taken from the request). */
  requestId: string;
  now: Date;
  /** The deployment's grace for links without their own `graceSeconds`. */
  defaultGraceSeconds: number;
  /** The User-Agent, cut short: a counted hit records it on the link (`lastHit`, ADR 021). */
  userAgent?: string;
  /** ISO 3166 alpha-2 from the deployment's edge, when it sends one (ADR 021). */
  country?: string;
}

export function graceSlotOf(client: string): number {
  let sum = 0;
  for (let index = 0; index < client.length; index += 1) sum += client.charCodeAt(index);
  return sum % GRACE_SLOTS;
}

export const epochSeconds = (date: Date): number => date.getTime() / 1000;

/** What the hit's slot says about this client: still inside its grace, or our own write applied. */
export function slotState(slot: GraceSlot | undefined, hit: DownloadHit): "applied" | "grace" | "none" {
  if (!slot || slot.client !== hit.client) return "none";
  if (slot.request === hit.requestId) return "applied";
  return slot.until > epochSeconds(hit.now) ? "grace" : "none";
}

/** True when the hit is counted: the rule the store's ConditionExpression states for DynamoDB. */
export function countsOn(link: Link | null, slot: GraceSlot | undefined, hit: DownloadHit): boolean {
  if (!link) return false;
  if (linkStatus(link, hit.now) !== "active") return false;
  if (hit.method === "GET" && link.maxDownloads !== undefined) return false;
  return slotState(slot, hit) === "none";
}
