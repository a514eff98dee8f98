import { countsOn, type DownloadHit, type GraceSlot, slotState } from "#src/domain/download-hit.ts";
import { type Link, linkStatus } from "#src/domain/link.ts";

/**
 * The gateway's decision table for a hit that asks for the file (GET or POST; HEAD and previews
 * only read). The store runs ONE conditional UpdateItem per hit (src/storage/dynamo-links.ts):
 * it counts when `countsOn` below says so; when the condition refuses, DynamoDB hands back the
 * item as it was (ReturnValuesOnConditionCheckFailure ALL_OLD) and `decideRefusedHit` says what
 * to answer, without a second read. test/integration/link-hits.test.ts runs one table of cases
 * through both the condition in DynamoDB and these functions.
 */

export type HitOutcome =
  | { kind: "unknown" }
  | { kind: "gone"; reason: GoneReason; link: Link }
  | { kind: "confirm"; link: Link }
  | { kind: "serve"; link: Link; counted: boolean };

export { countsOn };

export type GoneReason = "revoked" | "expired" | "exhausted";

/** What to answer when the conditional write was refused, from the item as it was. */
export function decideRefusedHit(
  link: Link | null,
  slot: GraceSlot | undefined,
  hit: DownloadHit,
): HitOutcome {
  if (!link) return { kind: "unknown" };
  const status = linkStatus(link, hit.now);
  if (status === "revoked" || status === "expired") return { kind: "gone", reason: status, link };
  const state = slotState(slot, hit);
  if (state !== "none") return { kind: "serve", link, counted: state === "applied" };
  if (status === "exhausted") return { kind: "gone", reason: status, link };
  if (hit.method === "GET" && link.maxDownloads !== undefined) return { kind: "confirm", link };
  // countsOn would have counted it: the condition and this table disagree.
  throw new Error("the download condition refused a hit that the decision table counts");
}
