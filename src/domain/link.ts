import type { Product } from "./product.ts";

/** A permanent link as the domain sees it. `id` is the SHA-256 of the token: the token itself is never kept. */
export interface Link {
  id: string;
  ownerId: string;
  /** The maker's username when the link was made, so the product's author can tell buyers apart. */
  ownerName?: string;
  /**
   * The product the link serves. For a file link (`fileId` set) the file's id: the stores group a
   * target's links under this id (pointers, the per-owner cap, the walk when the target goes).
   */
  productId: string;
  /** Set on a link to a caller's own file (docs/decisions/026-files-and-file-links.md). */
  fileId?: string;
  /** The product's title when the link was made or the product last changed (a file: its name). */
  productTitle: string;
  /** The object the link serves; kept in step with the product's deliverable on every file change. */
  objectKey: string;
  /** The product's original file name, used when the link has no filename of its own. */
  defaultFilename: string;
  /** The served file's size in bytes, kept in step with the object (absent on links made before). */
  fileSize?: number;
  /** The username of whoever sells the product, shown on the confirm page (absent on older links). */
  sellerName?: string;
  filename?: string;
  label?: string;
  recipient?: string;
  tokenHint: string;
  createdAt: string;
  expiresAt?: string;
  maxDownloads?: number;
  downloadCount: number;
  /** Resume grace for this link in seconds (0 = off); unset: the deployment's LINK_GRACE_SECONDS. */
  graceSeconds?: number;
  lastDownloadAt?: string;
  /** The caller's own labels for grouping (filter, revoke by tag): at most 10 short strings. */
  tags?: string[];
  /** The caller's own reference for the link, unique among the owner's links. */
  externalId?: string;
  revokedAt?: string;
  revokedBy?: string;
  /** The passphrase as a slow hash (src/domain/passphrase.ts); never shown, never logged. */
  passphraseHash?: string;
  /** Wrong passphrases in the current window, and when that window began (epoch seconds). */
  passphraseFails?: number;
  passphraseFailsSince?: number;
  /** CIDR blocks (IPv4 and IPv6) the link may be used from; unset: anywhere. */
  allowedNetworks?: string[];
  /** Device limit: only the first N distinct clients (the same-client key) may ever use the link. */
  maxClients?: number;
  /** The same-client keys bound so far (at most maxClients); a set on the item. */
  boundClients?: string[];
}

/** The largest device limit: the bound clients live on the link's item, which stays under 1 KB. */
export const MAX_CLIENTS = 20;

/** What an update may change on a link; the API's PATCH body, the port and both stores use this list. */
export const editableLinkFields = [
  "label",
  "expiresAt",
  "maxDownloads",
  "graceSeconds",
  "passphraseHash",
  "allowedNetworks",
  "maxClients",
  "tags",
] as const;
export type EditableLinkField = (typeof editableLinkFields)[number];

/** A change per editable field: a value sets it, null removes it, absent leaves it. */
export type LinkChanges = { [Field in EditableLinkField]?: Link[Field] | null };

/** What a link serves, copied from its product: set at creation and on every file or title change. */
export type LinkTarget = Pick<Link, "objectKey" | "defaultFilename" | "productTitle" | "fileSize">;

export function productTarget(product: Product): LinkTarget {
  return {
    objectKey: product.deliverable.key,
    defaultFilename: product.deliverable.filename,
    productTitle: product.title,
    fileSize: product.deliverable.size,
  };
}

export function sameTarget(a: LinkTarget, b: LinkTarget): boolean {
  return (
    a.objectKey === b.objectKey &&
    a.defaultFilename === b.defaultFilename &&
    a.productTitle === b.productTitle &&
    a.fileSize === b.fileSize
  );
}

export type LinkStatus = "active" | "revoked" | "expired" | "exhausted";

export function linkStatus(link: Link, now: Date): LinkStatus {
  if (link.revokedAt) return "revoked";
  if (link.expiresAt && Date.parse(link.expiresAt) <= now.getTime()) return "expired";
  if (link.maxDownloads !== undefined && link.downloadCount >= link.maxDownloads) return "exhausted";
  return "active";
}

export function downloadFilename(link: Link): string {
  return link.filename ?? link.defaultFilename;
}

/** Who may see and revoke a link: whoever made it, and the author of the product it points at. */
export function canManageLink(link: Link, callerId: string, productAuthorId: string | undefined): boolean {
  return link.ownerId === callerId || (linkSubject(link).kind === "product" && productAuthorId === callerId);
}

/** What a link serves: a product's deliverable, or a file its owner uploaded (only they may link it). */
export type LinkSubject = { kind: "product"; productId: string } | { kind: "file"; fileId: string };

export function linkSubject(link: Pick<Link, "productId" | "fileId">): LinkSubject {
  return link.fileId !== undefined
    ? { kind: "file", fileId: link.fileId }
    : { kind: "product", productId: link.productId };
}

/**
 * Whether every hit on the link must be decided by the store's one conditional write (ADR 012)
 * rather than served from an instance's short-lived copy of the link (ADR 024): a rule that
 * depends on how many hits came before (a download limit) needs the exact count at the moment of
 * the hit; so do a device limit (the clients bound so far) and a passphrase (its counted attempts,
 * ADR 025). An allow-list of networks is not here: it is checked on the copy. Everything else
 * (revocation, expiry, the target) is state the copy carries, checked on every hit.
 */
export function needsExactHit(link: Link): boolean {
  return (
    link.maxDownloads !== undefined || link.maxClients !== undefined || link.passphraseHash !== undefined
  );
}

/** Whether a GET may never be served: the holder confirms (and, for a passphrase, proves) with a POST. */
export function needsConfirmation(link: Link): boolean {
  return needsExactHit(link);
}
