import {
  checksMatch,
  countsOn,
  type DownloadHit,
  deviceLimitRefuses,
  type GraceSlot,
  slotState,
} from "#src/domain/download-hit.ts";
import { type Link, linkStatus, needsConfirmation } from "#src/domain/link.ts";

/**
 * The gateway's decision table for a hit that asks for the file (GET or POST; HEAD and previews
 * only read). The store runs ONE conditional UpdateItem per hit (src/storage/dynamo-links.ts):
 * it counts when `countsOn` below says so; when the condition refuses, DynamoDB hands back the
 * item as it was (ReturnValuesOnConditionCheckFailure ALL_OLD) and `decideRefusedHit` says what
 * to answer, without a second read. test/integration/link-hits.test.ts runs one table of cases
 * through both the condition in DynamoDB and these functions.
 *
 * A link with a passphrase, an allow-list of networks or a device limit needs checks made outside
 * the write (a slow hash, a CIDR match) or an extra update (binding the client): the first write
 * is refused with `check`, the gateway checks the link it handed back and writes once more with
 * what it checked, which that write's condition pins (docs/decisions/025-link-policies.md).
 */

export type HitOutcome =
  | { kind: "unknown" }
  | { kind: "gone"; reason: GoneReason; link: Link }
  | { kind: "confirm"; link: Link }
  | { kind: "serve"; link: Link; counted: boolean }
  | { kind: "check"; link: Link }
  | { kind: "refused"; reason: PolicyRefusal; link: Link }
  | { kind: "locked"; link: Link; until: number }
  | { kind: "passphrase"; state: "required" | "incorrect"; link: Link; attemptsLeft?: number };

export { countsOn };

export type GoneReason = "revoked" | "expired" | "exhausted";
/** A link that is alive refusing this client: not from an allowed network, or every device place taken. */
export type PolicyRefusal = "network" | "device_limit";

/** What to answer when the conditional write was refused, from the item as it was. */
export function decideRefusedHit(
  link: Link | null,
  slot: GraceSlot | undefined,
  hit: DownloadHit,
): HitOutcome {
  if (!link) return { kind: "unknown" };
  const status = linkStatus(link, hit.now);
  if (status === "revoked" || status === "expired") return { kind: "gone", reason: status, link };
  if (!checksMatch(link, hit.checked)) return { kind: "check", link };
  const state = slotState(slot, hit);
  if (state !== "none") return { kind: "serve", link, counted: state === "applied" };
  if (status === "exhausted") return { kind: "gone", reason: status, link };
  if (deviceLimitRefuses(link, hit.client)) return { kind: "refused", reason: "device_limit", link };
  if (hit.method === "GET" && needsConfirmation(link)) return { kind: "confirm", link };
  // countsOn would have counted it: the condition and this table disagree.
  throw new Error("the download condition refused a hit that the decision table counts");
}
