/**
 * The response headers Evergate pins on every signed GET it hands out. S3 sends a `response-*`
 * query parameter's value instead of whatever was stored with the object, and the parameter is
 * part of the signature, so neither the uploader (unsigned headers on the presigned PUT) nor the
 * downloader (editing the URL) decides how a served file is cached or saved. ADR 016.
 */

/**
 * A deliverable is paid for and its links can be revoked: no cache, shared or private, may keep
 * it (a shared cache could otherwise serve it after a refund, to someone else).
 */
export const DELIVERABLE_CACHE_CONTROL = "private, no-store";

/**
 * A promo image is public catalogue content, shown on every product page: the browser may keep it
 * for one signing window (the signed URL is the same within a window), shared caches may not, so
 * a deleted or replaced image is gone from every cache Evergate does not control.
 */
export function promoImageCacheControl(windowSeconds: number): string {
  return `private, max-age=${windowSeconds}`;
}

/** A promo image is shown, never saved under a name the uploader picked. */
export const PROMO_IMAGE_DISPOSITION = "inline";
