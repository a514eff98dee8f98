import type { DownloadHit, GraceSlot } from "#src/domain/download-hit.ts";
import type { Link } from "#src/domain/link.ts";
import type { HitOutcome } from "./decide-hit.ts";

/**
 * One table of cases for the gateway's rule, run through the pure decision (decide-hit.test.ts)
 * and through DynamoDB's condition (test/integration/link-hits.test.ts), so the two cannot drift.
 */
export interface HitCase {
  name: string;
  method: "GET" | "POST";
  expected: "count" | "serve uncounted" | "confirm" | "404" | `410 ${"revoked" | "expired" | "exhausted"}`;
  /** The link as stored (null: no such link) and the hitting client's slot; times relative to `now`. */
  link: Partial<Link> | null;
  slot?: "mine in grace" | "mine expired" | "mine, this request" | "another client's";
}

export const NOW = new Date("2026-11-27T12:00:00.000Z");
export const ME = "client-me-key-00";
export const OTHER = "client-other-key";
export const REQUEST = "request-0001";

const past = new Date(NOW.getTime() - 60_000).toISOString();
const future = new Date(NOW.getTime() + 60_000).toISOString();

const cases: Array<Omit<HitCase, "method"> & { method?: "GET" | "POST" }> = [
  { name: "unknown link", link: null, expected: "404" },
  { name: "unlimited link", link: {}, expected: "count" },
  {
    name: "unlimited link, same client in grace",
    link: {},
    slot: "mine in grace",
    expected: "serve uncounted",
  },
  { name: "unlimited link, same client after its grace", link: {}, slot: "mine expired", expected: "count" },
  {
    name: "unlimited link, another client in the slot",
    link: {},
    slot: "another client's",
    expected: "count",
  },
  {
    name: "unlimited link, our own earlier attempt applied",
    link: {},
    slot: "mine, this request",
    expected: "count",
  },
  { name: "revoked link", link: { revokedAt: past }, expected: "410 revoked" },
  {
    name: "revoked link, same client in grace",
    link: { revokedAt: past },
    slot: "mine in grace",
    expected: "410 revoked",
  },
  { name: "expired link", link: { expiresAt: past }, expected: "410 expired" },
  {
    name: "expired link, same client in grace",
    link: { expiresAt: past },
    slot: "mine in grace",
    expected: "410 expired",
  },
  { name: "link expiring later", link: { expiresAt: future }, expected: "count" },
  {
    name: "limited link with downloads left",
    method: "GET",
    link: { maxDownloads: 2, downloadCount: 1 },
    expected: "confirm",
  },
  {
    name: "limited link with downloads left",
    method: "POST",
    link: { maxDownloads: 2, downloadCount: 1 },
    expected: "count",
  },
  { name: "used-up limited link", link: { maxDownloads: 1, downloadCount: 1 }, expected: "410 exhausted" },
  {
    name: "used-up one-time link, same client in grace",
    link: { maxDownloads: 1, downloadCount: 1 },
    slot: "mine in grace",
    expected: "serve uncounted",
  },
  {
    name: "used-up one-time link, same client after its grace",
    link: { maxDownloads: 1, downloadCount: 1 },
    slot: "mine expired",
    expected: "410 exhausted",
  },
  {
    name: "used-up one-time link, another client in the slot",
    link: { maxDownloads: 1, downloadCount: 1 },
    slot: "another client's",
    expected: "410 exhausted",
  },
  {
    name: "one-time link, our own earlier attempt applied (a retried write)",
    method: "POST",
    link: { maxDownloads: 1, downloadCount: 1 },
    slot: "mine, this request",
    expected: "count",
  },
  {
    name: "limited link, same client in grace",
    method: "GET",
    link: { maxDownloads: 5, downloadCount: 1 },
    slot: "mine in grace",
    expected: "serve uncounted",
  },
  {
    name: "limited link, same client after its grace",
    method: "GET",
    link: { maxDownloads: 5, downloadCount: 1 },
    slot: "mine expired",
    expected: "confirm",
  },
];

const slotFor = (kind: HitCase["slot"]): GraceSlot | undefined => {
  const t = NOW.getTime() / 1000;
  switch (kind) {
    case "mine in grace":
      return { client: ME, until: t + 60, request: "an-earlier-hit" };
    case "mine expired":
      return { client: ME, until: t - 1, request: "an-earlier-hit" };
    case "mine, this request":
      return { client: ME, until: t + 0, request: REQUEST };
    case "another client's":
      return { client: OTHER, until: t + 60, request: "their-hit" };
    default:
      return undefined;
  }
};

/** Each case once per method unless it names one; the expectation holds for both. */
export const hitCases: Array<
  HitCase & { build(): { link: Link | null; slot: GraceSlot | undefined; hit: DownloadHit } }
> = cases.flatMap((c) =>
  (c.method ? [c.method] : (["GET", "POST"] as const)).map((method) => ({
    ...c,
    method,
    build: () => ({
      link:
        c.link === null
          ? null
          : ({
              id: "case",
              ownerId: "o",
              productId: "p",
              productTitle: "t",
              objectKey: "k",
              defaultFilename: "f.bin",
              tokenHint: "evg_…",
              createdAt: past,
              downloadCount: 0,
              ...c.link,
            } as Link),
      slot: slotFor(c.slot),
      hit: { method, client: ME, requestId: REQUEST, now: NOW, defaultGraceSeconds: 900 },
    }),
  })),
);

/** An outcome in the table's words. */
export function describeOutcome(outcome: HitOutcome): string {
  switch (outcome.kind) {
    case "serve":
      return outcome.counted ? "count" : "serve uncounted";
    case "gone":
      return `410 ${outcome.reason}`;
    case "unknown":
      return "404";
    case "confirm":
      return "confirm";
  }
}
