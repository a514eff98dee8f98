import { linkPolicy } from "#src/config.ts";
import type { Link } from "#src/domain/link.ts";
import { type PolicyViolation, storedLinkViolations } from "#src/domain/link-policy.ts";
import { readCursor, signCursor } from "#src/domain/list-cursor.ts";
import { cursorKey, type LinkDeps } from "./links.ts";

/**
 * Table items one page of the report reads at most (one DynamoDB Scan call with this Limit, about
 * 1 MB, ≤ 128 read units): its cost is bounded whatever the table holds.
 */
export const POLICY_REPORT_SCAN_BUDGET = 1000;

const LIST = "admin:links-out-of-policy";

export interface OutOfPolicyLink {
  link: Link;
  violations: PolicyViolation[];
}

/**
 * One page of the active links out of the deployment's link policy (the admin report; `npm run
 * policy:report` walks the same rule over the whole table). Each page reads at most
 * POLICY_REPORT_SCAN_BUDGET items, so it may hold fewer than `limit` links, even none, and still
 * carry a `nextCursor`; the cursor is signed, so a forged position is a 400.
 */
export async function listLinksOutOfPolicy(
  deps: LinkDeps,
  page: { limit: number; cursor?: string },
): Promise<{ items: OutOfPolicyLink[]; nextCursor?: string }> {
  const policy = linkPolicy(deps.config);
  const now = deps.clock();
  const key = cursorKey(deps);
  const after = page.cursor === undefined ? undefined : readCursor(key, LIST, page.cursor);
  const step = await deps.stores.links.scanLinks(
    { limit: page.limit, budget: POLICY_REPORT_SCAN_BUDGET, after },
    (link) => storedLinkViolations(policy, link, now).length > 0,
  );
  return {
    items: step.items.map((link) => ({ link, violations: storedLinkViolations(policy, link, now) })),
    nextCursor: step.next === undefined ? undefined : signCursor(key, LIST, step.next),
  };
}
