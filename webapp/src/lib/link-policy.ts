import { ApiError, describeError } from "../api/client.ts";
import type { PublicConfig } from "./config.ts";

export type LinkPolicy = PublicConfig["linkPolicy"];

/** The fields of a link form a refusal can point at. */
export type LinkField = "expiresAt" | "maxDownloads" | "passphrase" | "allowedNetworks" | "maxClients";
const fields: readonly LinkField[] = [
  "expiresAt",
  "maxDownloads",
  "passphrase",
  "allowedNetworks",
  "maxClients",
];

/** The API's largest device limit (src/domain/link.ts MAX_CLIENTS). */
export const MAX_DEVICES = 20;

/**
 * A refusal split by field: each of the problem's `errors` whose path names a field goes next to
 * it, with the rule that refused it (e.g. "must be set (requireMaxDownloads)"); the problem's
 * detail is the general message. The server's own words: its rule is the only one (house rule 11).
 */
export function refusalByField(error: unknown): {
  general: string;
  fields: Partial<Record<LinkField, string>>;
} {
  const found: Partial<Record<LinkField, string>> = {};
  if (error instanceof ApiError) {
    for (const problem of error.errors) {
      const field = fields.find((name) => problem.path === name || problem.path?.startsWith(`${name}.`));
      if (!field || !problem.message) continue;
      const rule = problem.rule ? ` (${problem.rule})` : "";
      found[field] = found[field]
        ? `${found[field]}; ${problem.message}${rule}`
        : `${problem.message}${rule}`;
    }
  }
  return { general: describeError(error), fields: found };
}

/** CIDR blocks typed one per line or separated by commas or spaces; empty: none. */
export function networksFrom(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}

/** The latest expiry the policy allows, as a datetime-local value (the input's max). */
export function latestExpiry(policy: LinkPolicy | undefined, now = new Date()): string | undefined {
  if (policy?.maxExpiryDays === undefined) return undefined;
  const latest = new Date(now.getTime() + policy.maxExpiryDays * 86_400_000);
  const local = new Date(latest.getTime() - latest.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
