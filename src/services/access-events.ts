import { createHash } from "node:crypto";
import type { AppDeps } from "#src/app-deps.ts";
import { type AccessEvent, eventsOfLinkChange, type StoredLink } from "#src/domain/access-event.ts";
import { classifyClient } from "#src/domain/client-class.ts";
import type { TableChange } from "#src/storage/stream-records.ts";

const DAY_MS = 86_400_000;

/** Whether a change is of a link item (`pk=LINK#…`, `sk=LINK`): only those make access events. */
export const isLinkChange = (change: TableChange) => change.pk.startsWith("LINK#") && change.sk === "LINK";

/**
 * Turns one change of a link into access events and writes them. Each event's id comes from the
 * stream record's id, so a record delivered again (a retried batch) writes nothing new.
 */
export async function recordLinkEvents(deps: AppDeps, change: TableChange): Promise<AccessEvent[]> {
  if (!isLinkChange(change)) return [];
  const derived = eventsOfLinkChange(
    change.before as StoredLink | undefined,
    change.after as StoredLink | undefined,
  );
  const events = derived.map(({ userAgent, ...event }, index): AccessEvent => {
    const id = createHash("sha256").update(`${change.eventId}#${index}`).digest("base64url").slice(0, 22);
    const isHit = event.kind === "download" || event.kind === "refused";
    return { id, ...event, ...(isHit ? { client: classifyClient(userAgent) } : {}) };
  });
  const retention = deps.config.EVENT_RETENTION_DAYS * DAY_MS;
  for (const event of events) await deps.stores.events.put(event, new Date(Date.parse(event.at) + retention));
  return events;
}
