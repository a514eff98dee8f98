import { type Link, type LinkStatus, linkStatus } from "./link.ts";

/**
 * What a caller may filter their links by (GET /api/links, revoke-by-filter). One rule for every
 * store and the revocation worker: the stores hand each candidate link to `matchesLinkFilter`.
 */
export interface LinkFilter {
  status?: LinkStatus;
  productId?: string;
  /** Links to one of the caller's files (files-api): matches once links carry `fileId`. */
  fileId?: string;
  tag?: string;
  recipient?: string;
  /** Case-insensitive text in the label or the recipient. */
  q?: string;
}

export const linkFilterFields = ["status", "productId", "fileId", "tag", "recipient", "q"] as const;

export function matchesLinkFilter(link: Link, filter: LinkFilter, now: Date): boolean {
  if (filter.status !== undefined && linkStatus(link, now) !== filter.status) return false;
  if (filter.productId !== undefined && link.productId !== filter.productId) return false;
  if (filter.fileId !== undefined && (link as Link & { fileId?: string }).fileId !== filter.fileId)
    return false;
  if (filter.tag !== undefined && !(link.tags ?? []).includes(filter.tag)) return false;
  if (filter.recipient !== undefined && link.recipient !== filter.recipient) return false;
  if (filter.q !== undefined) {
    const needle = filter.q.toLocaleLowerCase();
    const hay = [link.label, link.recipient].filter((text) => text !== undefined);
    if (!hay.some((text) => text.toLocaleLowerCase().includes(needle))) return false;
  }
  return true;
}

/** The filter in a fixed order, so a cursor can say which filter it was made for. */
export function canonicalFilter(filter: LinkFilter): string {
  return JSON.stringify(linkFilterFields.map((field) => filter[field] ?? null));
}
