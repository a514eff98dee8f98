import type { LinkHit, StoredLink } from "#src/domain/access-event.ts";
import { countsOn, epochSeconds, type GraceSlot, graceSlotOf } from "#src/domain/download-hit.ts";
import { editableLinkFields, type Link } from "#src/domain/link.ts";
import { byCreation, copyOf, pageOf } from "./memory-lists.ts";
import type { LinkStore } from "./ports.ts";

/**
 * LinkStore in memory, for unit tests of the services. Each call reads and writes without an
 * await in between, so it is atomic as DynamoDB's conditional writes are; the store contract
 * (test/contract/stores/) runs the same cases through this and the DynamoDB store.
 */
export function memoryLinkStore(): LinkStore {
  const links = new Map<string, StoredLink>();
  /** productId → (`<ownerId>#<linkId>` → linkId): the pointers of links not revoked. */
  const pointers = new Map<string, Map<string, string>>();
  /** linkId → the grace slots the DynamoDB store keeps as gc/gu/gr attributes beside the link. */
  const slots = new Map<string, Map<number, GraceSlot>>();
  /** `<productId>#<ownerId>` → links held that are not revoked (the DynamoDB store's slot counter). */
  const held = new Map<string, number>();
  /** Links that took a slot when they were put. */
  const holdingSlot = new Set<string>();
  /** linkId → each instance's last applied hot-link flush (the DynamoDB store's `hf` map). */
  const flushes = new Map<string, Map<string, number>>();
  /** `<ownerId>#<externalId>` → linkId: the DynamoDB store's uniqueness items. */
  const externalIds = new Map<string, string>();

  const listed = (match: (link: Link) => boolean) =>
    [...links.values()].filter(match).map((link): [string, Link] => [byCreation(link), link]);

  /** Revokes once; only the first revocation gives the slot back. The pointer goes either way. */
  const revokeOne = (link: StoredLink, revokedBy: string, now: Date, rotated?: boolean) => {
    pointers.get(link.productId)?.delete(`${link.ownerId}#${link.id}`);
    if (link.revokedAt) return;
    Object.assign(link, { revokedAt: now.toISOString(), revokedBy, ...(rotated ? { rotated } : {}) });
    if (holdingSlot.delete(link.id)) {
      const owner = `${link.productId}#${link.ownerId}`;
      held.set(owner, Math.max(0, (held.get(owner) ?? 0) - 1));
    }
  };

  return {
    async put(link, maxActive, options = {}) {
      const owner = `${link.productId}#${link.ownerId}`;
      if ((held.get(owner) ?? 0) >= maxActive) return false;
      if (link.externalId !== undefined) {
        const reserved = `${link.ownerId}#${link.externalId}`;
        const holder = externalIds.get(reserved);
        if (holder !== undefined && holder !== link.id && holder !== options.externalIdFrom) {
          return "externalIdTaken";
        }
        externalIds.set(reserved, link.id);
      }
      held.set(owner, (held.get(owner) ?? 0) + 1);
      const ofProduct = pointers.get(link.productId) ?? new Map<string, string>();
      pointers.set(link.productId, ofProduct);
      ofProduct.set(`${link.ownerId}#${link.id}`, link.id);
      if (!links.has(link.id)) {
        links.set(link.id, copyOf(link));
        holdingSlot.add(link.id);
      }
      return true;
    },

    async get(id) {
      const link = links.get(id);
      return link ? copyOf(link) : null;
    },

    async *eachLink() {
      for (const link of [...links.values()]) yield copyOf(link);
    },

    async scanLinks(request, match) {
      // Positions are ids in the order the links were stored (a Map keeps it).
      const ids = [...links.keys()];
      const from = request.after === undefined ? 0 : ids.indexOf(request.after) + 1;
      const items: Link[] = [];
      let index = from;
      for (; index < ids.length && index - from < request.budget; index++) {
        const link = links.get(ids[index] as string) as Link;
        if (match(copyOf(link))) items.push(copyOf(link));
        if (items.length >= request.limit)
          return { items, next: index + 1 < ids.length ? ids[index] : undefined };
      }
      return index < ids.length ? { items, next: ids[index - 1] } : { items };
    },

    async getByExternalId(ownerId, externalId) {
      const id = externalIds.get(`${ownerId}#${externalId}`);
      const link = id === undefined ? undefined : links.get(id);
      return link ? copyOf(link) : null;
    },

    async scanOwnerLinks(ownerId, request, match) {
      const newestFirst = listed((link) => link.ownerId === ownerId)
        .sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0))
        .filter(([key]) => request.after === undefined || key < request.after);
      const items: Link[] = [];
      let examined = 0;
      for (const [key, link] of newestFirst) {
        if (examined >= request.budget || items.length >= request.limit)
          return { items, next: newestFirst[examined - 1]?.[0] ?? key };
        examined++;
        if (match(copyOf(link))) items.push(copyOf(link));
      }
      return { items };
    },

    async hit(id, hit) {
      const link = links.get(id) ?? null;
      const slotsOfLink = slots.get(id) ?? new Map<number, GraceSlot>();
      const slot = slotsOfLink.get(graceSlotOf(hit.client));
      if (!countsOn(link, slot, hit) || !link) {
        return { counted: false, link: link && copyOf(link), slot: slot && { ...slot } };
      }
      link.downloadCount += 1;
      link.lastDownloadAt = hit.now.toISOString();
      if (hit.checked?.bindClient && !link.boundClients?.includes(hit.client)) {
        link.boundClients = [...(link.boundClients ?? []), hit.client].sort();
      }
      if (hit.checked?.passphraseHash) {
        delete link.passphraseFails;
        delete link.passphraseFailsSince;
      }
      link.lastHit = {
        at: hit.now.toISOString(),
        clientId: hit.client,
        ...(hit.userAgent ? { userAgent: hit.userAgent } : {}),
        ...(hit.country ? { country: hit.country } : {}),
        outcome: "granted",
      };
      const grace = link.graceSeconds ?? hit.defaultGraceSeconds;
      slotsOfLink.set(graceSlotOf(hit.client), {
        client: hit.client,
        until: epochSeconds(hit.now) + grace,
        request: hit.requestId,
      });
      slots.set(id, slotsOfLink);
      return { counted: true, link: copyOf(link) };
    },

    async flushHits(id, flush) {
      const link = links.get(id);
      if (!link) return { outcome: "gone" };
      const ofLink = flushes.get(id) ?? new Map<string, number>();
      flushes.set(id, ofLink);
      const applied = ofLink.get(flush.instance);
      if (applied !== undefined && applied >= flush.sequence)
        return { outcome: "duplicate", link: copyOf(link), flushes: Object.fromEntries(ofLink) };
      link.downloadCount += flush.count;
      link.lastDownloadAt = flush.lastHit.at;
      link.lastHit = { ...flush.lastHit };
      ofLink.set(flush.instance, flush.sequence);
      for (const instance of flush.forget ?? []) if (instance !== flush.instance) ofLink.delete(instance);
      return { outcome: "applied", link: copyOf(link), flushes: Object.fromEntries(ofLink) };
    },

    async recordRefusal(id, hit: LinkHit) {
      const link = links.get(id);
      if (!link) return false;
      const last = link.lastRefusal;
      // The DynamoDB store's bound: at most one refusal per link per second.
      if (last && !(last.at < new Date(Date.parse(hit.at) - 1000).toISOString())) return false;
      link.lastRefusal = { ...hit };
      return true;
    },

    async countPassphraseAttempt(id, now, lock) {
      const link = links.get(id);
      if (!link) return null;
      const t = epochSeconds(now);
      const since = link.passphraseFailsSince;
      if (since !== undefined && since > t - lock.windowSeconds) {
        const fails = link.passphraseFails ?? lock.maxAttempts;
        if (fails >= lock.maxAttempts) return { counted: false, fails, since };
        link.passphraseFails = fails + 1;
        return { counted: true, fails: fails + 1, since };
      }
      link.passphraseFails = 1;
      link.passphraseFailsSince = t;
      return { counted: true, fails: 1, since: t };
    },

    async resetClients(id) {
      const link = links.get(id);
      if (!link || link.revokedAt) return null;
      delete link.boundClients;
      return copyOf(link);
    },

    listByOwner: async (ownerId, request) =>
      pageOf(
        `owner:${ownerId}`,
        listed((link) => link.ownerId === ownerId),
        request,
      ),

    listByProduct: async (productId, request) =>
      pageOf(
        `product:${productId}`,
        listed((link) => link.productId === productId),
        request,
      ),

    async pageActiveIds(productId, ownerId, request) {
      const prefix = ownerId === undefined ? "" : `${ownerId}#`;
      return pageOf(
        `pointers:${productId}`,
        [...(pointers.get(productId) ?? [])].filter(([key]) => key.startsWith(prefix)),
        request,
        { ascending: true },
      );
    },

    async update(id, changes) {
      const link = links.get(id);
      if (!link || link.revokedAt) return null;
      for (const field of editableLinkFields) {
        const value = changes[field];
        if (value === null) delete link[field];
        else if (value !== undefined) Object.assign(link, { [field]: value });
      }
      if (changes.passphraseHash !== undefined) {
        delete link.passphraseFails;
        delete link.passphraseFailsSince;
      }
      return copyOf(link);
    },

    async revoke(id, revokedBy, now, rotated) {
      const link = links.get(id);
      if (!link) return null;
      revokeOne(link, revokedBy, now, rotated);
      return copyOf(link);
    },

    async revokeMany(ids, revokedBy, now) {
      for (const id of ids) {
        const link = links.get(id);
        if (link) revokeOne(link, revokedBy, now);
      }
    },

    async retarget(id, target) {
      const link = links.get(id);
      if (!link || link.revokedAt) return;
      link.objectKey = target.objectKey;
      link.defaultFilename = target.defaultFilename;
      link.productTitle = target.productTitle;
      link.fileSize = target.fileSize;
    },
  };
}
