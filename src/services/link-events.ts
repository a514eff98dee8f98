import type { AppDeps } from "#src/app-deps.ts";
import type { AccessEvent, HitOutcome } from "#src/domain/access-event.ts";
import { notFound } from "#src/domain/errors.ts";
import { type LinkStats, statsOf } from "#src/domain/link-stats.ts";
import type { Page } from "#src/storage/ports.ts";
import { getManageableLinkOrThrow } from "./links.ts";

/** The most events one stats answer reads; past it the answer says `truncated`. */
export const STATS_MAX_EVENTS = 50_000;
/** The most events one CSV export holds (newest first). */
export const EXPORT_MAX_EVENTS = 10_000;

/** A link's access log, for its maker and the product's author (404 to anyone else). */
export async function listLinkEvents(
  deps: AppDeps,
  linkId: string,
  callerId: string,
  query: { limit: number; cursor?: string; outcome?: HitOutcome },
): Promise<Page<AccessEvent>> {
  await getManageableLinkOrThrow(deps, linkId, callerId);
  return deps.stores.events.listByLink(linkId, query);
}

export async function exportLinkEvents(
  deps: AppDeps,
  linkId: string,
  callerId: string,
): Promise<AccessEvent[]> {
  await getManageableLinkOrThrow(deps, linkId, callerId);
  return deps.stores.events.since({ linkId }, new Date(0), EXPORT_MAX_EVENTS);
}

export async function linkStats(
  deps: AppDeps,
  linkId: string,
  callerId: string,
  days: number,
): Promise<LinkStats> {
  await getManageableLinkOrThrow(deps, linkId, callerId);
  return statsFor(deps, { linkId }, days);
}

/** Stats over every link to a product: its author only. */
export async function productStats(deps: AppDeps, productId: string, callerId: string, days: number) {
  const product = await deps.stores.products.get(productId);
  if (!product || product.authorId !== callerId) throw notFound("Product");
  return statsFor(deps, { productId }, days);
}

async function statsFor(deps: AppDeps, scope: { linkId: string } | { productId: string }, days: number) {
  const now = deps.clock();
  const since = new Date(now.getTime() - days * 86_400_000);
  const events = await deps.stores.events.since(scope, since, STATS_MAX_EVENTS);
  return statsOf(events, now, days, events.length >= STATS_MAX_EVENTS);
}
