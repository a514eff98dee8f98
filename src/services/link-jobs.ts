import type { AppDeps, LinkJobStarter } from "#src/app-deps.ts";
import { type LinkTarget, productTarget } from "#src/domain/link.ts";
import { matchesLinkFilter } from "#src/domain/link-filter.ts";
import { jobCanRun, type LinkJob } from "#src/domain/link-job.ts";
import { newId } from "#src/domain/token.ts";
import { errorFields } from "#src/logger.ts";
import { inChunks } from "./in-chunks.ts";

/** Pointers read per query; a page is also the unit of progress saved on the job. */
const PAGE_SIZE = 200;
/** How long a worker holds a job between two saved pages; then another worker may take it over. */
const LEASE_MS = 60_000;
/** A job that no worker has taken by then is picked up by the sweeper. */
const START_GRACE_MS = 30_000;
/** A job whose write never happened (its request failed after storing it) is dropped after this. */
const ABANDON_AFTER_MS = 60_000;
const WAIT_STEP_MS = 200;
/** Without a deadline from the caller, a worker stops after this and leaves the rest to the next. */
const DEFAULT_BUDGET_MS = 4 * 60_000;

export type NewLinkJob = Pick<
  LinkJob,
  "kind" | "productId" | "ownerId" | "orderCreatedAt" | "revokedBy" | "deleteKeys" | "filter"
>;

const isoIn = (deps: Pick<AppDeps, "clock">, ms: number) =>
  new Date(deps.clock().getTime() + ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stores a job durably. The request stores it before the write that makes it necessary (marking
 * the order refunded, deleting the product) so no crash leaves that write without its job, and
 * calls `deps.linkJobs.started` after it (see jobCanRun).
 */
export async function storeLinkJob(
  deps: Pick<AppDeps, "stores" | "clock">,
  fields: NewLinkJob,
): Promise<LinkJob> {
  const job: LinkJob = { id: newId(), createdAt: deps.clock().toISOString(), ...fields };
  await deps.stores.linkJobs.create(job, isoIn(deps, START_GRACE_MS));
  return job;
}

export type LinkJobOutcome = "done" | "paused" | "waiting" | "dropped" | "busy";

/**
 * Walks the links of a job page by page, `LINK_JOB_CONCURRENCY` writes at a time, saving the
 * cursor after each page. Every step is idempotent (revoking keeps the first revocation,
 * retargeting writes only a link that differs, revoked links are no longer in the pages), so a
 * worker that dies is simply replaced: the next one resumes at the saved cursor once the lease
 * runs out. Files named in the job are deleted only after the last page.
 */
export async function runLinkJob(
  deps: AppDeps,
  id: string,
  options: { deadline?: number } = {},
): Promise<LinkJobOutcome> {
  const deadline = options.deadline ?? Date.now() + DEFAULT_BUDGET_MS;
  const job = await deps.stores.linkJobs.claim(id, deps.clock(), isoIn(deps, LEASE_MS));
  if (!job) return "busy";
  if (job.kind === "revoke-filter") return runFilterRevocation(deps, job, deadline);
  if (!(await waitUntilRunnable(deps, job, deadline))) {
    if (deps.clock().getTime() - Date.parse(job.createdAt) >= ABANDON_AFTER_MS) {
      deps.logger.warn("link job dropped: the write it follows never happened", {
        jobId: id,
        kind: job.kind,
      });
      await deps.stores.linkJobs.finish(id);
      return "dropped";
    }
    await deps.stores.linkJobs.progress(id, job.cursor, isoIn(deps, WAIT_STEP_MS));
    return "waiting";
  }
  const startedAt = Date.now();
  let walked = 0;
  let cursor = job.cursor;
  for (;;) {
    const target = job.kind === "retarget" ? await currentTarget(deps, job.productId) : undefined;
    // A product deleted since the edit: its own job revokes the links.
    if (job.kind === "retarget" && !target) break;
    const page = await deps.stores.links.pageActiveIds(
      job.productId,
      job.kind === "revoke-owner" ? job.ownerId : undefined,
      { limit: PAGE_SIZE, cursor },
    );
    for (const ids of inChunks(page.items, deps.config.LINK_JOB_CONCURRENCY)) {
      if (target) await Promise.all(ids.map((linkId) => deps.stores.links.retarget(linkId, target)));
      else await deps.stores.links.revokeMany(ids, job.revokedBy ?? "system", deps.clock());
    }
    walked += page.items.length;
    cursor = page.nextCursor;
    if (cursor === undefined) break;
    const outOfTime = Date.now() >= deadline;
    await deps.stores.linkJobs.progress(id, cursor, outOfTime ? isoIn(deps, 0) : isoIn(deps, LEASE_MS));
    if (outOfTime) return "paused";
  }
  for (const key of job.deleteKeys ?? []) {
    await deps.files.delete(key);
    await deps.stores.uploads.cancelCleanup(key);
  }
  await deps.stores.linkJobs.finish(id);
  deps.logger.info("link job done", {
    jobId: id,
    kind: job.kind,
    productId: job.productId,
    links: walked,
    ms: Date.now() - startedAt,
  });
  return "done";
}

/**
 * A revoke-by-filter (POST /api/links/revoke): walks the owner's links newest first from where it
 * stopped, revoking those that are not revoked and match. Only `job.ownerId`'s links are ever
 * read, so no filter reaches another owner's. Links made after the request may be missed: the
 * walk starts at the newest link there was.
 */
async function runFilterRevocation(deps: AppDeps, job: LinkJob, deadline: number): Promise<LinkJobOutcome> {
  const startedAt = Date.now();
  const { ownerId, filter } = job;
  if (!ownerId || !filter) throw new Error(`link job ${job.id}: revoke-filter needs an owner and a filter`);
  let walked = 0;
  let after = job.cursor;
  for (;;) {
    const now = deps.clock();
    const page = await deps.stores.links.scanOwnerLinks(
      ownerId,
      { limit: PAGE_SIZE, budget: PAGE_SIZE, after },
      (link) => !link.revokedAt && matchesLinkFilter(link, filter, now),
    );
    for (const ids of inChunks(
      page.items.map((link) => link.id),
      deps.config.LINK_JOB_CONCURRENCY,
    )) {
      await deps.stores.links.revokeMany(ids, job.revokedBy ?? ownerId, deps.clock());
    }
    walked += page.items.length;
    after = page.next;
    if (after === undefined) break;
    const outOfTime = Date.now() >= deadline;
    await deps.stores.linkJobs.progress(job.id, after, outOfTime ? isoIn(deps, 0) : isoIn(deps, LEASE_MS));
    if (outOfTime) return "paused";
  }
  await deps.stores.linkJobs.finish(job.id);
  deps.logger.info("link job done", {
    jobId: job.id,
    kind: job.kind,
    links: walked,
    ms: Date.now() - startedAt,
  });
  return "done";
}

async function currentTarget(deps: AppDeps, productId: string): Promise<LinkTarget | undefined> {
  const product = await deps.stores.products.get(productId);
  return product ? productTarget(product) : undefined;
}

/** Waits (briefly) for the write the job follows: a worker started by the stream may be early. */
async function waitUntilRunnable(deps: AppDeps, job: LinkJob, deadline: number): Promise<boolean> {
  const giveUpAt = Math.min(deadline, Date.parse(job.createdAt) + ABANDON_AFTER_MS);
  for (;;) {
    const [product, order, file] = await Promise.all([
      job.kind === "revoke-product" ? deps.stores.products.get(job.productId) : null,
      job.kind === "revoke-owner" && job.ownerId ? deps.stores.orders.get(job.productId, job.ownerId) : null,
      job.kind === "revoke-file" ? deps.stores.files.get(job.productId) : null,
    ]);
    if (jobCanRun(job, { product, order, file })) return true;
    if (Math.max(Date.now(), deps.clock().getTime()) + WAIT_STEP_MS > giveUpAt) return false;
    await sleep(WAIT_STEP_MS);
  }
}

/** The safety net: runs the jobs whose worker never came or died (the sweeper calls it). */
export async function runDueLinkJobs(
  deps: AppDeps,
  options: { limit?: number; deadline?: number } = {},
): Promise<number> {
  const deadline = options.deadline ?? Date.now() + DEFAULT_BUDGET_MS;
  let done = 0;
  for (const id of await deps.stores.linkJobs.listDue(deps.clock(), options.limit ?? 20)) {
    if ((await runLinkJob(deps, id, { deadline })) === "done") done++;
    if (Date.now() >= deadline) break;
  }
  return done;
}

/**
 * The worker in this process, started the moment a job is stored (`npm start`, tests). `settled`
 * resolves when every job started so far has finished, for tests that look right after.
 */
export function inProcessLinkJobs(deps: () => AppDeps): LinkJobStarter & { settled(): Promise<void> } {
  const running = new Set<Promise<unknown>>();
  return {
    started(jobId) {
      const run: Promise<unknown> = runLinkJob(deps(), jobId)
        .catch((error) => deps().logger.warn("link job failed", { jobId, ...errorFields(error) }))
        .finally(() => running.delete(run));
      running.add(run);
    },
    async settled() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
