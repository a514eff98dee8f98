import type { DownloadHit, GraceSlot, HitChecks } from "#src/domain/download-hit.ts";
import type { Link } from "#src/domain/link.ts";
import type { HitOutcome } from "./decide-hit.ts";

/**
 * One table of cases for the gateway's rule, run through the pure decision (decide-hit.test.ts)
 * and through DynamoDB's condition (test/integration/link-hits.test.ts), so the two cannot drift.
 */
export interface HitCase {
  name: string;
  method: "GET" | "POST";
  expected:
    | "count"
    | "serve uncounted"
    | "confirm"
    | "404"
    | `410 ${"revoked" | "expired" | "exhausted"}`
    | "check"
    | "403 device_limit";
  /** The link as stored (null: no such link) and the hitting client's slot; times relative to `now`. */
  link: Partial<Link> | null;
  slot?: "mine in grace" | "mine expired" | "mine, this request" | "another client's";
  /** What the gateway checked before this write (a passphrase, the networks, binding the client). */
  checked?: HitChecks;
}

export const NOW = new Date("2026-11-27T12:00:00.000Z");
export const ME = "client-me-key-00";
export const OTHER = "client-other-key";
export const REQUEST = "request-0001";

const past = new Date(NOW.getTime() - 60_000).toISOString();
const future = new Date(NOW.getTime() + 60_000).toISOString();
const nowSeconds = NOW.getTime() / 1000;

/** A stored passphrase hash as the cases see it: only compared, never verified here. */
export const HASH = "scrypt$15$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
const NETWORKS = ["203.0.113.0/24", "2001:db8::/32"];
/** Five passphrase attempts (the default lock) a minute ago: locked for another 14 minutes. */
const locked = { passphraseHash: HASH, passphraseFails: 5, passphraseFailsSince: nowSeconds - 60 };

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
  // Passphrases: the first write is refused (`check`), the gateway verifies, the second write pins the hash.
  { name: "passphrase link, nothing checked", link: { passphraseHash: HASH }, expected: "check" },
  {
    name: "passphrase link, passphrase verified",
    method: "POST",
    link: { passphraseHash: HASH },
    checked: { passphraseHash: HASH },
    expected: "count",
  },
  {
    name: "passphrase link, verified (never on a GET)",
    method: "GET",
    link: { passphraseHash: HASH },
    checked: { passphraseHash: HASH },
    expected: "confirm",
  },
  {
    name: "passphrase changed since it was verified",
    link: { passphraseHash: `${HASH}x` },
    checked: { passphraseHash: HASH },
    expected: "check",
  },
  {
    name: "passphrase removed since it was verified",
    link: {},
    checked: { passphraseHash: HASH },
    expected: "check",
  },
  {
    name: "passphrase link, same client in grace, nothing checked (no bare GET)",
    link: { passphraseHash: HASH },
    slot: "mine in grace",
    expected: "check",
  },
  {
    name: "passphrase link, verified, same client in grace",
    method: "POST",
    link: { passphraseHash: HASH },
    checked: { passphraseHash: HASH },
    slot: "mine in grace",
    expected: "serve uncounted",
  },
  // The lock-out is held by counting each attempt before hashing it (the gateway), not by this write:
  // a passphrase verified by a counted attempt counts, even if later attempts used up the window.
  {
    name: "passphrase link, every attempt of the window used, verified by a counted one",
    method: "POST",
    link: locked,
    checked: { passphraseHash: HASH },
    expected: "count",
  },
  {
    name: "expired passphrase link",
    link: { passphraseHash: HASH, expiresAt: past },
    expected: "410 expired",
  },
  // Allowed networks: checked by the gateway on the item handed back, the list pinned by the second write.
  { name: "network-limited link, nothing checked", link: { allowedNetworks: NETWORKS }, expected: "check" },
  {
    name: "network-limited link, address allowed",
    link: { allowedNetworks: NETWORKS },
    checked: { allowedNetworks: NETWORKS },
    expected: "count",
  },
  {
    name: "network list changed since it was checked",
    link: { allowedNetworks: [NETWORKS[0] as string] },
    checked: { allowedNetworks: NETWORKS },
    expected: "check",
  },
  // Device limit: the second write binds the client while places are left.
  { name: "device-limited link, nothing checked", link: { maxClients: 2 }, expected: "check" },
  {
    name: "device-limited link, a place left",
    method: "POST",
    link: { maxClients: 2, boundClients: [OTHER] },
    checked: { bindClient: true },
    expected: "count",
  },
  {
    name: "device-limited link, full, this client bound",
    method: "POST",
    link: { maxClients: 2, boundClients: [OTHER, ME] },
    checked: { bindClient: true },
    expected: "count",
  },
  {
    name: "device-limited link, full, another client",
    link: { maxClients: 1, boundClients: [OTHER] },
    checked: { bindClient: true },
    expected: "403 device_limit",
  },
  {
    name: "device-limited link, a place left",
    method: "GET",
    link: { maxClients: 2 },
    checked: { bindClient: true },
    expected: "confirm",
  },
  {
    name: "device limit removed since it was checked",
    link: {},
    checked: { bindClient: true },
    expected: "check",
  },
  {
    name: "every policy at once, all checked",
    method: "POST",
    link: {
      passphraseHash: HASH,
      allowedNetworks: NETWORKS,
      maxClients: 3,
      maxDownloads: 3,
      downloadCount: 2,
    },
    checked: { passphraseHash: HASH, allowedNetworks: NETWORKS, bindClient: true },
    expected: "count",
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
      hit: {
        method,
        client: ME,
        requestId: REQUEST,
        now: NOW,
        defaultGraceSeconds: 900,
        ...(c.checked ? { checked: c.checked } : {}),
      },
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
    case "check":
      return "check";
    case "locked":
      return "locked";
    case "refused":
      return `403 ${outcome.reason}`;
    case "passphrase":
      return `passphrase ${outcome.state}`;
  }
}
