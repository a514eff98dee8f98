import type { AppDeps } from "#src/app-deps.ts";
import { AppError } from "#src/domain/errors.ts";
import type { Link } from "#src/domain/link.ts";
import type { LinkFilter } from "#src/domain/link-filter.ts";
import type { LinkJob } from "#src/domain/link-job.ts";
import type { Caller } from "#src/domain/scopes.ts";
import { inChunks } from "./in-chunks.ts";
import { storeLinkJob } from "./link-jobs.ts";
import { createLinkTo, type LinkDeps, type LinkSettings, revokeLink, subjectOf } from "./links.ts";

/** Items one bulk call takes (links created, or ids revoked). */
export const MAX_BULK_ITEMS = 100;
/** Items of one bulk call worked on at once: the table sees a small burst, not a hundred writes. */
const BULK_CONCURRENCY = 8;

/** One item's outcome: its value, or the error it met (the others go on regardless). */
export type ItemOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function assertBulkSize(count: number) {
  if (count > MAX_BULK_ITEMS) {
    throw new AppError("too_many_items", `A bulk call takes ${MAX_BULK_ITEMS} items at most; got ${count}.`);
  }
}

async function eachItem<I, T>(items: readonly I[], work: (item: I) => Promise<T>): Promise<ItemOutcome<T>[]> {
  const outcomes: ItemOutcome<T>[] = [];
  for (const chunk of inChunks(items, BULK_CONCURRENCY)) {
    const settled = await Promise.allSettled(chunk.map(work));
    outcomes.push(
      ...settled.map(
        (result): ItemOutcome<T> =>
          result.status === "fulfilled"
            ? { ok: true, value: result.value }
            : { ok: false, error: result.reason },
      ),
    );
  }
  return outcomes;
}

/**
 * Creates up to 100 links, each exactly as POST /api/links would (limits, entitlement, externalId
 * uniqueness): one item's failure is its own, reported in its place, and the rest are created.
 */
export function createLinks(
  deps: LinkDeps,
  caller: Pick<Caller, "userId" | "username">,
  items: ReadonlyArray<LinkSettings & { productId?: string; fileId?: string }>,
): Promise<ItemOutcome<{ link: Link; token: string }>[]> {
  assertBulkSize(items.length);
  return eachItem(items, async ({ productId, fileId, ...settings }) =>
    createLinkTo(deps, caller.userId, subjectOf({ productId, fileId }), settings, caller.username),
  );
}

/** Revokes up to 100 links by id, each as DELETE /api/links/{id} would (404 for others' links). */
export function revokeLinksById(deps: LinkDeps, callerId: string, ids: readonly string[]) {
  assertBulkSize(ids.length);
  return eachItem(ids, (id) => revokeLink(deps, id, callerId));
}

/**
 * Revokes every link of the caller's that is not revoked and matches the filter, in bounded time
 * whatever their number: the request stores one job and answers; a worker walks the caller's own
 * links (src/services/link-jobs.ts, ADR 013 and 027).
 */
export async function revokeLinksByFilter(
  deps: Pick<AppDeps, "stores" | "clock" | "linkJobs">,
  callerId: string,
  filter: LinkFilter,
): Promise<LinkJob> {
  const job = await storeLinkJob(deps, {
    kind: "revoke-filter",
    productId: filter.productId ?? "",
    ownerId: callerId,
    revokedBy: callerId,
    filter,
  });
  deps.linkJobs.started(job.id);
  return job;
}
