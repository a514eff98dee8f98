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
  const links = new Map<string, Link>();
  /** productId → (`<ownerId>#<linkId>` → linkId): the pointers the DynamoDB store writes first. */
  const pointers = new Map<string, Map<string, string>>();
  /** `<linkId>#<slot>` → the grace slot the DynamoDB store keeps as gc/gu/gr attributes. */
  const slots = new Map<string, GraceSlot>();

  const listed = (match: (link: Link) => boolean) =>
    [...links.values()].filter(match).map((link): [string, Link] => [byCreation(link), link]);

  return {
    async put(link) {
      const ofProduct = pointers.get(link.productId) ?? new Map<string, string>();
      pointers.set(link.productId, ofProduct);
      ofProduct.set(`${link.ownerId}#${link.id}`, link.id);
      if (!links.has(link.id)) links.set(link.id, copyOf(link));
    },

    async get(id) {
      const link = links.get(id);
      return link ? copyOf(link) : null;
    },

    async hit(id, hit) {
      const link = links.get(id) ?? null;
      const key = `${id}#${graceSlotOf(hit.client)}`;
      const slot = slots.get(key);
      if (!link || !countsOn(link, slot, hit)) {
        return { counted: false, link: link && copyOf(link), slot: slot && { ...slot } };
      }
      link.downloadCount += 1;
      link.lastDownloadAt = hit.now.toISOString();
      const until = epochSeconds(hit.now) + (link.graceSeconds ?? hit.defaultGraceSeconds);
      slots.set(key, { client: hit.client, until, request: hit.requestId });
      return { counted: true, link: copyOf(link) };
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

    async listIdsForProduct(productId, ownerId) {
      const prefix = ownerId === undefined ? "" : `${ownerId}#`;
      return [...(pointers.get(productId) ?? [])]
        .filter(([key]) => key.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([, id]) => id);
    },

    async update(id, changes) {
      const link = links.get(id);
      if (!link || link.revokedAt) return null;
      for (const field of editableLinkFields) {
        const value = changes[field];
        if (value === null) delete link[field];
        else if (value !== undefined) Object.assign(link, { [field]: value });
      }
      return copyOf(link);
    },

    async revoke(id, revokedBy, now) {
      const link = links.get(id);
      if (!link) return null;
      if (!link.revokedAt) Object.assign(link, { revokedAt: now.toISOString(), revokedBy });
      return copyOf(link);
    },

    async retarget(id, target) {
      const link = links.get(id);
      if (!link) return;
      link.objectKey = target.objectKey;
      link.defaultFilename = target.defaultFilename;
      link.productTitle = target.productTitle;
    },
  };
}
