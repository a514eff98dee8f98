import { type TokenKeyRing, tokenFormat } from "#src/domain/token.ts";
import type { LinkLookup } from "#src/gateway/consume.ts";
import type { HitOutcome } from "#src/gateway/decide-hit.ts";
import type { Metrics } from "./metrics.ts";

/** What a /l/{token} request got: the `Outcome` dimension of `LinkOutcomes`. */
export const linkOutcomes = [
  "granted",
  "grace_rehit",
  "confirmation_required",
  "revoked",
  "expired",
  "exhausted",
  "preview",
  "rate_limited",
  "invalid_token",
  "not_found",
  "network_refused",
  "device_limit",
  "passphrase_required",
  "passphrase_incorrect",
  "passphrase_locked",
] as const;
export type LinkOutcome = (typeof linkOutcomes)[number];

/** Each outcome's dimensions, made once: recording a decision allocates nothing. */
const outcomeDimensions = Object.fromEntries(
  linkOutcomes.map((outcome) => [outcome, { Outcome: outcome }]),
) as Record<LinkOutcome, { Outcome: LinkOutcome }>;

/**
 * The gateway's decision as a metric. `invalid_token` is a token whose format or keyed tag does
 * not verify (malformed or forged: no DynamoDB call was made); `not_found` one that could have
 * been issued but is not in the table. Both answer the same 404: only the metric tells them apart.
 * A request that failed before a decision (DynamoDB unavailable) has no outcome: `ServerErrors`.
 */
export function linkOutcomeOf(
  decision: HitOutcome | LinkLookup,
  token: string,
  keys: TokenKeyRing,
): LinkOutcome {
  switch (decision.kind) {
    case "serve":
      return decision.counted ? "granted" : "grace_rehit";
    case "confirm":
      return "confirmation_required";
    case "gone":
      return decision.reason;
    case "active":
      return "preview";
    case "unknown":
      return tokenFormat("link", token, keys) === "invalid" ? "invalid_token" : "not_found";
    case "refused":
      return decision.reason === "network" ? "network_refused" : "device_limit";
    case "passphrase":
      return decision.state === "required" ? "passphrase_required" : "passphrase_incorrect";
    case "locked":
      return "passphrase_locked";
    case "check":
      // Never final: the gateway checks the policies and writes again before it answers.
      throw new Error("a hit's outcome was recorded before its policies were checked");
  }
}

export function recordLinkOutcome(
  metrics: Metrics,
  decision: HitOutcome | LinkLookup,
  token: string,
  keys: TokenKeyRing,
): void {
  metrics.add("LinkOutcomes", 1, outcomeDimensions[linkOutcomeOf(decision, token, keys)]);
}
