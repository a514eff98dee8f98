import type { HitOutcome, LinkHit } from "#src/domain/access-event.ts";
import type { DownloadHit } from "#src/domain/download-hit.ts";

/** Longest User-Agent kept on a hit: enough for the families, small enough for one write unit. */
export const HIT_USER_AGENT_CHARS = 160;

/** The User-Agent as a hit keeps it: cut short. */
export const hitUserAgent = (userAgent: string | undefined): string | undefined =>
  userAgent ? userAgent.slice(0, HIT_USER_AGENT_CHARS) : undefined;

/**
 * The country only from a header the deployment's edge sets (CLIENT_COUNTRY_HEADER, never one a
 * client could send to a directly reachable app), and only an ISO 3166 alpha-2 code.
 */
export function hitCountry(
  countryHeader: string | undefined,
  header: (name: string) => string | undefined,
): string | undefined {
  if (!countryHeader) return undefined;
  const country = header(countryHeader)?.trim().toUpperCase();
  return country && /^[A-Z]{2}$/.test(country) ? country : undefined;
}

/**
 * A hit as the access log keeps it. `clientId` is the gateway's same-client key
 * (src/gateway/same-client.ts): one rule for "the same client", a keyed hash, never an address.
 */
export function linkHitOf(hit: DownloadHit, outcome: HitOutcome): LinkHit {
  return {
    at: hit.now.toISOString(),
    clientId: hit.client,
    ...(hit.userAgent ? { userAgent: hit.userAgent } : {}),
    ...(hit.country ? { country: hit.country } : {}),
    outcome,
  };
}
