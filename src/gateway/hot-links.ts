import { randomBytes } from "node:crypto";
import type { LinkHit } from "#src/domain/access-event.ts";
import type { DownloadHit } from "#src/domain/download-hit.ts";
import { type Link, needsExactHit } from "#src/domain/link.ts";
import { errorFields, type Logger } from "#src/logger.ts";
import type { HitFlush, LinkStore } from "#src/storage/ports.ts";

/**
 * Hot links (docs/decisions/024-hot-links.md): a link whose rules need no exact per-hit decision
 * (`needsExactHit` is false) is served from this instance's copy of it, read at most `cacheMs`
 * ago, and its downloads are added to the link by one write per link every `flushMs`. A copy is
 * only ever made from the store's answer (a consistent read, or the item a write returned), so a
 * link this instance has not read is never served, and a revocation reaches every instance within
 * `cacheMs` of being written.
 */
export interface HotLinkSettings {
  /** How long a copy may be served; its age counts from when the read was sent. */
  cacheMs: number;
  /** How often (at most) one link's downloads are written by this instance. */
  flushMs: number;
}

export interface HotLinkCopy {
  link: Link;
  /** The link's rules need the store's conditional write on every hit (limited links). */
  exact: boolean;
}

/** A flush that got no answer is retried with its number for this long, then dropped (logged). */
const GIVE_UP_AFTER_MS = 5 * 60_000;
/** Other instances' flush numbers older than this are removed from the link (a bounded item). */
const FORGET_AFTER_MS = 10 * 60_000;
const MAX_FORGET_PER_FLUSH = 8;
/** Bounds on what one instance remembers. */
const MAX_COPIES = 10_000;
const MAX_GRACE_ENTRIES = 50_000;

interface Copy extends HotLinkCopy {
  readAt: number;
}

interface Batch {
  count: number;
  lastHit: LinkHit;
}

interface Unanswered {
  flush: HitFlush;
  firstSentAt: number;
}

export interface HotLinks {
  /** This instance's id: the key of its flush numbers on each link. */
  readonly instance: string;
  /** The link as this instance may decide a hit on it: a fresh copy, else one read. Null: no such link. */
  copyOf(id: string): Promise<HotLinkCopy | null>;
  /** Keeps what an exact (conditional) write handed back: the item as of that write. */
  learn(link: Link, sentAt: number): void;
  /**
   * Drops this instance's copy of a link just changed through it (revoked, edited, retargeted), and
   * any read sent before now: the one who changed it sees the change at once, not `cacheMs` later.
   */
  forget(id: string): void;
  /**
   * A hit on a hot link that is active: counted in this instance's batch unless the same client is
   * inside its grace here (then served, not counted). True when counted.
   */
  count(link: Link, hit: DownloadHit): boolean;
  /** Whether this instance should write a refusal of this link now (at most one per second). */
  mayRecordRefusal(id: string): boolean;
  /** Starts the flushes that are due (`settled()` waits for them); never throws. */
  flushDue(): void;
  /** Flushes every batch now (stopping, or an owner's exact count wanted); never rejects. */
  flushAll(): Promise<void>;
  /** Writes this link's downloads served here and not yet written (an owner reads its count); never rejects. */
  flushLinkNow(id: string): Promise<void>;
  /** Resolves when the flushes started so far have answered (or failed, to be retried). */
  settled(): Promise<void>;
  /** Downloads served and not yet written (tests, the bench). */
  pending(): number;
}

export function createHotLinks(
  store: Pick<LinkStore, "get" | "flushHits">,
  settings: HotLinkSettings,
  clock: () => Date,
  logger: Logger,
): HotLinks {
  const instance = randomBytes(9).toString("base64url");
  const copies = new Map<string, Copy>();
  const reads = new Map<string, Promise<HotLinkCopy | null>>();
  const batches = new Map<string, Batch>();
  const unanswered = new Map<string, Unanswered>();
  const lastFlushAt = new Map<string, number>();
  const forgettable = new Map<string, string[]>();
  const grace = new Map<string, number>();
  const refusedAt = new Map<string, number>();
  const forgottenAt = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let lastSequence = 0;

  const now = () => clock().getTime();
  // A clock that went back makes a copy look older, never younger.
  const fresh = (copy: Copy, at: number) => at >= copy.readAt && at - copy.readAt < settings.cacheMs;

  const keep = <V>(map: Map<string, V>, key: string, value: V, max: number) => {
    map.delete(key);
    map.set(key, value);
    if (map.size > max) {
      let excess = Math.ceil(max / 10);
      for (const oldest of map.keys()) {
        if (excess-- <= 0) break;
        map.delete(oldest);
      }
    }
  };

  const remember = (link: Link, readAt: number) => {
    const current = copies.get(link.id);
    if (current && current.readAt > readAt) return;
    // A read sent in the same millisecond as a change may not have seen it.
    const forgotten = forgottenAt.get(link.id);
    if (forgotten !== undefined && readAt <= forgotten) return;
    keep(copies, link.id, { link, exact: needsExactHit(link), readAt }, MAX_COPIES);
  };

  const read = (id: string): Promise<HotLinkCopy | null> => {
    const sentAt = now();
    const reading = store
      .get(id)
      .then((link) => {
        if (!link) {
          copies.delete(id);
          return null;
        }
        remember(link, sentAt);
        return { link, exact: needsExactHit(link) };
      })
      .finally(() => reads.delete(id));
    reads.set(id, reading);
    return reading;
  };

  const nextSequence = (at: number) => {
    lastSequence = Math.max(at, lastSequence + 1);
    return lastSequence;
  };

  async function flushLink(id: string): Promise<void> {
    const at = now();
    let waiting = unanswered.get(id);
    if (!waiting) {
      const batch = batches.get(id);
      if (!batch) return;
      batches.delete(id);
      const forget = forgettable.get(id);
      waiting = {
        flush: {
          instance,
          sequence: nextSequence(at),
          count: batch.count,
          lastHit: { ...batch.lastHit, count: batch.count },
          ...(forget?.length ? { forget } : {}),
        },
        firstSentAt: at,
      };
      unanswered.set(id, waiting);
    }
    keep(lastFlushAt, id, at, MAX_COPIES);
    try {
      const result = await store.flushHits(id, waiting.flush);
      unanswered.delete(id);
      if (result.outcome === "gone") {
        copies.delete(id);
        return;
      }
      remember(result.link, at);
      const old = Object.entries(result.flushes)
        .filter(([other, sequence]) => other !== instance && sequence < at - FORGET_AFTER_MS)
        .map(([other]) => other)
        .slice(0, MAX_FORGET_PER_FLUSH);
      if (old.length) forgettable.set(id, old);
      else forgettable.delete(id);
    } catch (error) {
      // Kept with its number: the retry is refused by the store if this one did apply.
      if (at - waiting.firstSentAt > GIVE_UP_AFTER_MS) {
        unanswered.delete(id);
        logger.error("hot link downloads not written, given up", {
          linkId: id,
          count: waiting.flush.count,
          ...errorFields(error),
        });
        return;
      }
      logger.warn("hot link flush failed, will retry", { linkId: id, ...errorFields(error) });
    }
  }

  const running = new Set<string>();
  const start = (id: string) => {
    if (running.has(id)) return;
    running.add(id);
    const flushing = flushLink(id).finally(() => {
      running.delete(id);
      inFlight.delete(flushing);
    });
    inFlight.add(flushing);
  };

  const settled = async () => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };

  return {
    instance,

    copyOf(id) {
      const copy = copies.get(id);
      if (copy && (copy.exact || fresh(copy, now()))) return Promise.resolve(copy);
      return reads.get(id) ?? read(id);
    },

    learn(link, sentAt) {
      remember(link, sentAt);
    },

    forget(id) {
      copies.delete(id);
      keep(forgottenAt, id, now(), MAX_COPIES);
    },

    count(link, hit) {
      const at = hit.now.getTime();
      const client = `${link.id} ${hit.client}`;
      const until = grace.get(client);
      if (until !== undefined && until > at) return false;
      const graceSeconds = link.graceSeconds ?? hit.defaultGraceSeconds;
      if (graceSeconds > 0) keep(grace, client, at + graceSeconds * 1000, MAX_GRACE_ENTRIES);
      const batch = batches.get(link.id) ?? {
        count: 0,
        lastHit: { at: "", clientId: "", outcome: "granted" },
      };
      batch.count += 1;
      batch.lastHit = {
        at: hit.now.toISOString(),
        clientId: hit.client,
        ...(hit.userAgent ? { userAgent: hit.userAgent } : {}),
        ...(hit.country ? { country: hit.country } : {}),
        outcome: "granted",
      };
      batches.set(link.id, batch);
      return true;
    },

    mayRecordRefusal(id) {
      const at = now();
      const last = refusedAt.get(id);
      if (last !== undefined && at >= last && at - last < 1000) return false;
      keep(refusedAt, id, at, MAX_COPIES);
      return true;
    },

    flushDue() {
      const at = now();
      for (const id of new Set([...batches.keys(), ...unanswered.keys()])) {
        const last = lastFlushAt.get(id);
        if (last === undefined || at < last || at - last >= settings.flushMs) start(id);
      }
    },

    async flushAll() {
      await settled();
      for (const id of new Set([...batches.keys(), ...unanswered.keys()])) start(id);
      await settled();
    },

    async flushLinkNow(id) {
      // A flush already running may have been sent before the last hits: a second one takes them.
      for (let round = 0; round < 2 && (batches.has(id) || unanswered.has(id) || running.has(id)); round++) {
        await settled();
        if (batches.has(id) || unanswered.has(id)) start(id);
        await settled();
      }
    },

    settled,

    pending() {
      let total = 0;
      for (const batch of batches.values()) total += batch.count;
      for (const waiting of unanswered.values()) total += waiting.flush.count;
      return total;
    },
  };
}

/**
 * The link store the app uses beside hot links: a change (revoke, rotate, PATCH, retarget, reset)
 * drops this instance's copy of what it changed once the write has answered (or failed: it may
 * have applied), and a read of links first writes the downloads this instance served on them and
 * has not written yet. So the instance a change or a read goes through is exact at once; other
 * instances follow within `cacheMs` (changes) and `flushMs` (counts).
 */
export function linksBesideHotLinks(
  store: LinkStore,
  hotLinks: Pick<HotLinks, "forget" | "flushLinkNow" | "flushAll" | "pending">,
): LinkStore {
  const thenForget =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>, changed: (...args: A) => string[]) =>
    async (...args: A): Promise<R> => {
      try {
        return await write.apply(store, args);
      } finally {
        for (const id of changed(...args)) hotLinks.forget(id);
      }
    };
  const flushedFirst =
    <A extends unknown[], R>(read: (...args: A) => Promise<R>, flush: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<R> => {
      await flush(...args);
      return read.apply(store, args);
    };
  const flushEverything = async () => {
    if (hotLinks.pending() > 0) await hotLinks.flushAll();
  };
  return {
    ...store,
    get: flushedFirst(store.get, (id) => hotLinks.flushLinkNow(id)),
    getByExternalId: flushedFirst(store.getByExternalId, flushEverything),
    scanOwnerLinks: flushedFirst(store.scanOwnerLinks, flushEverything),
    listByOwner: flushedFirst(store.listByOwner, flushEverything),
    listByProduct: flushedFirst(store.listByProduct, flushEverything),
    update: thenForget(store.update, (id) => [id]),
    revoke: thenForget(store.revoke, (id) => [id]),
    revokeMany: thenForget(store.revokeMany, (ids) => ids),
    retarget: thenForget(store.retarget, (id) => [id]),
    resetClients: thenForget(store.resetClients, (id) => [id]),
  };
}
