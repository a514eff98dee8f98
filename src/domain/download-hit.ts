import { type Link, linkStatus, needsConfirmation } from "./link.ts";

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
  /**
   * What the gateway checked outside the write, on the link a refused write handed back (or a
   * cached copy): the write's condition pins each, so a link changed in between is refused again.
   */
  checked?: HitChecks;
}

export interface HitChecks {
  /**
   * The stored hash the hit's passphrase was verified against (src/domain/passphrase.ts). The
   * lock-out is not in the write: every attempt is counted before it is hashed, and only a counted
   * one is hashed, so a locked link costs no hashing and its attempts are bounded under any concurrency.
   */
  passphraseHash?: string;
  /** The allow-list the client's address was found in (compared as a set: lists have no duplicates). */
  allowedNetworks?: string[];
  /** The link has a device limit: the write binds the client, or finds it bound. */
  bindClient?: boolean;
}

export interface PassphraseLock {
  maxAttempts: number;
  windowSeconds: number;
}

/** Whether the checks the hit carries are exactly what the link asks for (none, for a plain link). */
export function checksMatch(link: Link, checked: HitChecks | undefined): boolean {
  const networks = checked?.allowedNetworks;
  return (
    link.passphraseHash === checked?.passphraseHash &&
    (link.allowedNetworks === undefined
      ? networks === undefined
      : networks !== undefined &&
        networks.length === link.allowedNetworks.length &&
        networks.every((network) => link.allowedNetworks?.includes(network))) &&
    (link.maxClients !== undefined) === (checked?.bindClient === true)
  );
}

/** Until when (epoch seconds) wrong passphrases lock the link; undefined when it is not locked. */
export function passphraseLockedUntil(link: Link, now: Date, lock: PassphraseLock): number | undefined {
  const { passphraseFails: fails, passphraseFailsSince: since } = link;
  if (fails === undefined || since === undefined || fails < lock.maxAttempts) return undefined;
  const until = since + lock.windowSeconds;
  return until > epochSeconds(now) ? until : undefined;
}

/** The device limit refuses this client: it is not bound, and every place is taken. */
export function deviceLimitRefuses(link: Link, client: string): boolean {
  if (link.maxClients === undefined) return false;
  const bound = link.boundClients ?? [];
  return !bound.includes(client) && bound.length >= link.maxClients;
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
  if (!checksMatch(link, hit.checked)) return false;
  if (hit.method === "GET" && needsConfirmation(link)) return false;
  if (deviceLimitRefuses(link, hit.client)) return false;
  return slotState(slot, hit) === "none";
}
