import { type Link, linkStatus } from "./link.ts";

/**
 * The deployment's link policy (issue 18 §2, docs/decisions/025-link-policies.md): rules an
 * administrator sets for every new link. One function says which rules a link's settings break;
 * the create, PATCH and rotate use cases and the admin report all ask it.
 */

export interface LinkPolicy {
  /** The longest a new link may live, in days; every link then needs an expiresAt within it. */
  maxExpiryDays?: number;
  /** Every link must set maxDownloads. */
  requireMaxDownloads: boolean;
  /** The largest maxDownloads a link may set. */
  maxDownloadsCap?: number;
  /** A link without maxDownloads must have a passphrase. */
  requirePassphraseWhenUnlimited: boolean;
}

export type PolicyRule =
  | "maxExpiryDays"
  | "requireMaxDownloads"
  | "maxDownloadsCap"
  | "requirePassphraseWhenUnlimited";

/** The settings of a link the rules look at (a new link's, a link after a PATCH, a stored link). */
export interface PolicySubject {
  expiresAt?: string | null;
  maxDownloads?: number | null;
  hasPassphrase: boolean;
}

/** One broken rule, shaped as an item of a problem's `errors`: the rule and the field it concerns. */
export interface PolicyViolation {
  rule: PolicyRule;
  path: "expiresAt" | "maxDownloads" | "passphrase";
  message: string;
}

/** The fields each rule reads: a PATCH is refused for a rule only when it sets one of them. */
export const ruleFields: Record<PolicyRule, readonly string[]> = {
  maxExpiryDays: ["expiresAt"],
  requireMaxDownloads: ["maxDownloads"],
  maxDownloadsCap: ["maxDownloads"],
  requirePassphraseWhenUnlimited: ["maxDownloads", "passphrase"],
};

const DAY_MS = 86_400_000;

/** The rules the settings break at `now`, in a fixed order; empty when they fit the policy. */
export function policyViolations(policy: LinkPolicy, subject: PolicySubject, now: Date): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  const { maxExpiryDays, maxDownloadsCap } = policy;
  const maxDownloads = subject.maxDownloads ?? undefined;
  if (maxExpiryDays !== undefined) {
    const expiresAt = subject.expiresAt ? Date.parse(subject.expiresAt) : undefined;
    if (expiresAt === undefined || expiresAt > now.getTime() + maxExpiryDays * DAY_MS) {
      violations.push({
        rule: "maxExpiryDays",
        path: "expiresAt",
        message: `must be set, at most ${maxExpiryDays} days from now (LINK_MAX_EXPIRY_DAYS)`,
      });
    }
  }
  if (policy.requireMaxDownloads && maxDownloads === undefined) {
    violations.push({
      rule: "requireMaxDownloads",
      path: "maxDownloads",
      message: "must be set (LINK_REQUIRE_MAX_DOWNLOADS)",
    });
  }
  if (maxDownloadsCap !== undefined && maxDownloads !== undefined && maxDownloads > maxDownloadsCap) {
    violations.push({
      rule: "maxDownloadsCap",
      path: "maxDownloads",
      message: `must be at most ${maxDownloadsCap} (LINK_MAX_DOWNLOADS_CAP)`,
    });
  }
  if (policy.requirePassphraseWhenUnlimited && maxDownloads === undefined && !subject.hasPassphrase) {
    violations.push({
      rule: "requirePassphraseWhenUnlimited",
      path: "passphrase",
      message: "is required on a link without maxDownloads (LINK_REQUIRE_PASSPHRASE_WHEN_UNLIMITED)",
    });
  }
  return violations;
}

/**
 * The rules a stored link breaks now (the admin report: `npm run policy:report` and
 * GET /api/admin/links-out-of-policy). A link that no longer works (revoked, expired, used up)
 * breaks none: it is out of anyone's way.
 */
export function storedLinkViolations(policy: LinkPolicy, link: Link, now: Date): PolicyViolation[] {
  if (linkStatus(link, now) !== "active") return [];
  return policyViolations(
    policy,
    {
      expiresAt: link.expiresAt,
      maxDownloads: link.maxDownloads,
      hasPassphrase: link.passphraseHash !== undefined,
    },
    now,
  );
}

/** The sentence a refusal starts with: it names every broken rule. */
export function describeViolations(violations: readonly PolicyViolation[]): string {
  const rules = violations.map((violation) => `${violation.rule}: ${violation.path} ${violation.message}`);
  return `The link breaks the deployment's link policy (GET /api/config shows it). ${rules.join("; ")}.`;
}

/**
 * A seller's rule for buyers' links to their product (issue 18 §1): the product's
 * `defaultMaxClients`. A buyer's link gets it when the buyer names no device limit, and may lower
 * it but never lift it (a higher one, or none).
 */
export interface SellerLimitViolation {
  rule: "sellerMaxClients";
  path: "maxClients";
  message: string;
}

/** The device limit a buyer's new link gets: their own choice, else the seller's default. */
export function buyerMaxClients(sellerMaxClients: number | undefined, chosen: number | undefined) {
  return chosen ?? sellerMaxClients;
}

/** Whether a buyer's link with `maxClients` (null or undefined: none) keeps within the seller's limit. */
export function sellerLimitViolations(
  sellerMaxClients: number | undefined,
  maxClients: number | null | undefined,
): SellerLimitViolation[] {
  if (sellerMaxClients === undefined) return [];
  if (maxClients !== null && maxClients !== undefined && maxClients <= sellerMaxClients) return [];
  return [
    {
      rule: "sellerMaxClients",
      path: "maxClients",
      message: `must be set, at most ${sellerMaxClients}: the product's seller limits buyers' links to ${sellerMaxClients} device${sellerMaxClients === 1 ? "" : "s"} (defaultMaxClients)`,
    },
  ];
}

/** The sentence a refusal by the seller's rule starts with. */
export function describeSellerViolations(violations: readonly SellerLimitViolation[]): string {
  const rules = violations.map((violation) => `${violation.rule}: ${violation.path} ${violation.message}`);
  return `The link breaks the product seller's rule for buyers' links. ${rules.join("; ")}.`;
}
