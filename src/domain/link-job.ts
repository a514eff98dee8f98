/**
 * A durable piece of work over many links, written by the request that ends or changes the right
 * to them and walked by a worker off the request path (docs/decisions/013-bounded-revocation.md).
 */
import type { LinkFilter } from "./link-filter.ts";

export type LinkJobKind = "revoke-owner" | "revoke-product" | "retarget" | "revoke-file" | "revoke-filter";

export interface LinkJob {
  id: string;
  kind: LinkJobKind;
  /** The product (revoke-file: the file) whose links are walked; revoke-filter: the filter's product, or "" (any). */
  productId: string;
  /** revoke-filter: which of the owner's links that are not revoked (ADR 027). */
  filter?: LinkFilter;
  /** revoke-owner: whose links (the refunded buyer). */
  ownerId?: string;
  /** revoke-owner: the refunded order's createdAt, so a later re-purchase still counts as refunded. */
  orderCreatedAt?: string;
  /** Recorded on each revoked link as who revoked it. */
  revokedBy?: string;
  /** Objects to delete once no link points at them any more (replaced or deleted files). */
  deleteKeys?: string[];
  createdAt: string;
  /** Where the walk resumes; absent until the first page is done. */
  cursor?: string;
  /** A worker holds the job until then; after it, another may take over. */
  leaseUntil?: string;
}

/**
 * Whether the write the job follows has happened: a job is stored before that write (so no crash
 * leaves the write without its job), and the links are walked only after it, so a link created
 * meanwhile is either seen by the walk or sees the write in its creator's re-check (ADR 004).
 */
export function jobCanRun(
  job: LinkJob,
  state: {
    product: { id: string } | null;
    order: { status: string; createdAt: string } | null;
    file?: { id: string } | null;
  },
): boolean {
  switch (job.kind) {
    case "revoke-owner":
      return (
        state.order === null ||
        state.order.status === "refunded" ||
        state.order.createdAt !== job.orderCreatedAt
      );
    case "revoke-product":
      return state.product === null;
    case "retarget":
    case "revoke-filter":
      return true;
    case "revoke-file":
      return state.file === null;
  }
}
