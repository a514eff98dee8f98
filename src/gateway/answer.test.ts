import { describe, expect, it } from "vitest";
import type { AppDeps } from "#src/app-deps.ts";
import type { LinkHit } from "#src/domain/access-event.ts";
import { epochSeconds, type GraceSlot, graceSlotOf } from "#src/domain/download-hit.ts";
import type { Link } from "#src/domain/link.ts";
import { hashToken, mintToken, newTokenKeyEntry, parseTokenKeys } from "#src/domain/token.ts";
import type { Metrics } from "#src/metrics/metrics.ts";
import type { LinkStore } from "#src/storage/ports.ts";
import { answerLink, type LinkMethod } from "./answer.ts";
import { countsOn } from "./decide-hit.ts";

/**
 * The gateway's whole table — method × client × kind of link × its state → status and count —
 * over a memory store that applies the same rule as DynamoDB's condition (`countsOn`; the
 * condition itself is held to it in test/integration/link-hits.test.ts).
 */
const NOW = new Date("2026-11-27T12:00:00Z");

function memoryLinks(): Pick<LinkStore, "get" | "hit" | "recordRefusal"> & {
  links: Map<string, Link>;
  refusals: LinkHit[];
} {
  const links = new Map<string, Link>();
  const slots = new Map<string, GraceSlot>();
  const refusals: LinkHit[] = [];
  return {
    links,
    refusals,
    async recordRefusal(_id, hit) {
      refusals.push(hit);
      return true;
    },
    async get(id) {
      const link = links.get(id);
      return link ? { ...link } : null;
    },
    async hit(id, hit) {
      const link = links.get(id) ?? null;
      const key = `${id}#${graceSlotOf(hit.client)}`;
      const slot = slots.get(key);
      if (!link || !countsOn(link, slot, hit)) return { counted: false, link: link && { ...link }, slot };
      link.downloadCount += 1;
      const grace = link.graceSeconds ?? hit.defaultGraceSeconds;
      slots.set(key, { client: hit.client, until: epochSeconds(hit.now) + grace, request: hit.requestId });
      return { counted: true, link: { ...link } };
    },
  };
}

const KEYS = parseTokenKeys(newTokenKeyEntry("a"));

function gateway() {
  const store = memoryLinks();
  /** The `Outcome` of each LinkOutcomes metric recorded (src/metrics/link-outcome.ts). */
  const outcomes: string[] = [];
  const metrics: Metrics = {
    add: (name, _value, dimensions) => {
      if (name === "LinkOutcomes") outcomes.push(dimensions?.Outcome ?? "?");
    },
    endInvocation: () => {},
  };
  const deps = {
    metrics,
    config: {
      LINK_URL_TTL_SECONDS: 300,
      LINK_CACHE_WINDOW_SECONDS: 0,
      LINK_GRACE_SECONDS: 900,
      TOKEN_KEYS: KEYS,
      LEGACY_TOKENS: "refuse",
    },
    stores: { links: store },
    files: { presignGet: async () => "https://files.example/object?X-Amz-Signature=abc" },
    clock: () => NOW,
  } as unknown as AppDeps;
  const add = (fields: Partial<Link>): string => {
    const { token } = mintToken("link", KEYS);
    store.links.set(hashToken(token), {
      id: hashToken(token),
      ownerId: "o",
      productId: "p",
      productTitle: "t",
      objectKey: "k",
      defaultFilename: "report.pdf",
      tokenHint: "x",
      createdAt: "2026-01-01T00:00:00Z",
      downloadCount: 0,
      ...fields,
    });
    return token;
  };
  return { deps, store, add, outcomes };
}

const clients: Record<string, Record<string, string>> = {
  browser: { "user-agent": "Mozilla/5.0 Chrome/131", accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
  preview: { "user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" },
  fetcher: { "user-agent": "Go-http-client/1.1" },
};

const states: Record<string, Partial<Link> | null> = {
  unlimited: {},
  limited: { maxDownloads: 3, downloadCount: 1 },
  revoked: { revokedAt: "2026-11-01T00:00:00Z" },
  expired: { expiresAt: "2026-11-27T11:59:59Z" },
  "used up": { maxDownloads: 2, downloadCount: 2 },
  unknown: null,
};

/** `status/counted` per state, in the order of `states`. */
const table: Array<[LinkMethod, keyof typeof clients, string]> = [
  ["GET", "browser", "302/1 200/0 410/0 410/0 410/0 404/0"],
  ["GET", "preview", "200/0 200/0 410/0 410/0 410/0 404/0"],
  ["GET", "fetcher", "302/1 409/0 410/0 410/0 410/0 404/0"],
  ["HEAD", "browser", "200/0 200/0 410/0 410/0 410/0 404/0"],
  ["HEAD", "fetcher", "200/0 200/0 410/0 410/0 410/0 404/0"],
  ["POST", "browser", "200/1 200/1 410/0 410/0 410/0 404/0"],
  ["POST", "preview", "303/1 303/1 410/0 410/0 410/0 404/0"],
  ["POST", "fetcher", "303/1 303/1 410/0 410/0 410/0 404/0"],
];

describe("what /l/{token} answers (method × client × link)", () => {
  for (const [method, client, row] of table) {
    const expected = row.split(" ");
    Object.entries(states).forEach(([state, fields], column) => {
      it(`${method} by a ${client}, ${state} link → ${expected[column]}`, async () => {
        const { deps, store, add, outcomes } = gateway();
        const token = fields === null ? mintToken("link", KEYS).token : add(fields);
        const before = store.links.get(hashToken(token))?.downloadCount ?? 0;
        const answer = await answerLink(deps, {
          method,
          token,
          requestId: "req",
          clientAddress: "198.51.100.7",
          header: (name) => clients[client]?.[name],
        });
        const after = store.links.get(hashToken(token))?.downloadCount ?? 0;
        expect(`${answer.status}/${after - before}`).toBe(expected[column]);
        if (answer.status === 302 || answer.status === 303)
          expect(answer.headers.location).toContain("X-Amz-Signature");
        if (method === "HEAD") expect(answer.body).toBeNull();
        if (answer.status === 410 && client !== "browser" && method !== "HEAD") {
          expect(JSON.parse(answer.body ?? "{}").reason).toBe(state === "used up" ? "exhausted" : state);
        }
        // A 410 to a hit that asked for the file logs one refusal with its reason (ADR 021); HEAD,
        // previews and every other answer log none.
        const logged = store.refusals.map((hit) => hit.outcome);
        const asked = method !== "HEAD" && !(method === "GET" && client === "preview");
        if (answer.status === 410 && asked)
          expect(logged).toEqual([state === "used up" ? "exhausted" : state]);
        else expect(logged).toEqual([]);
        // One outcome metric per request, naming what the answer was
        const gone = state === "used up" ? "exhausted" : state;
        const outcome =
          answer.status === 404
            ? "not_found"
            : answer.status === 410
              ? gone
              : after > before
                ? "granted"
                : answer.status === 409 || (answer.status === 200 && method === "GET" && client === "browser")
                  ? "confirmation_required"
                  : "preview";
        expect(outcomes).toEqual([outcome]);
      });
    });
  }

  it("a browser's confirm answers the starting page: a meta refresh and a link to the file, no script", async () => {
    const { deps, add } = gateway();
    const token = add({ maxDownloads: 1 });
    const answer = await answerLink(deps, {
      method: "POST",
      token,
      requestId: "req",
      clientAddress: "198.51.100.7",
      header: (name) => clients.browser?.[name],
    });
    expect(answer.body).toContain(
      '<meta http-equiv="refresh" content="0;url=https://files.example/object?X-Amz-Signature=abc">',
    );
    expect(answer.body).toContain('<a href="https://files.example/object?X-Amz-Signature=abc">');
    expect(answer.body).not.toMatch(/<script|<img|<link/);
    expect(answer.headers["content-security-policy"]).toContain("default-src 'none'");
  });

  it("the same client again within the grace: served, not counted; another client: counted", async () => {
    const { deps, store, add, outcomes } = gateway();
    const token = add({ maxDownloads: 2 });
    const ask = (address: string) =>
      answerLink(deps, {
        method: "POST",
        token,
        requestId: "req",
        clientAddress: address,
        header: (name) => clients.fetcher?.[name],
      });
    expect((await ask("198.51.100.7")).status).toBe(303);
    expect((await ask("198.51.100.7")).status).toBe(303);
    expect(store.links.get(hashToken(token))?.downloadCount).toBe(1);
    expect((await ask("203.0.113.9")).status).toBe(303);
    expect((await ask("192.0.2.1")).status).toBe(410);
    expect(store.links.get(hashToken(token))?.downloadCount).toBe(2);
    expect(outcomes).toEqual(["granted", "grace_rehit", "granted", "exhausted"]);
  });

  it("malformed and forged tokens are `invalid_token`, a well-formed one not in the table `not_found`", async () => {
    const { deps, outcomes } = gateway();
    const forged = mintToken("link", parseTokenKeys(newTokenKeyEntry("a"))).token;
    for (const token of ["evg_not-a-token", forged, mintToken("link", KEYS).token]) {
      const answer = await answerLink(deps, {
        method: "GET",
        token,
        requestId: "req",
        clientAddress: "198.51.100.7",
        header: () => undefined,
      });
      expect(answer.status).toBe(404);
    }
    expect(outcomes).toEqual(["invalid_token", "invalid_token", "not_found"]);
  });
});
