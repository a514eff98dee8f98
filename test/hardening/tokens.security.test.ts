import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "#src/app.ts";
import { mintToken } from "#src/domain/token.ts";
import { startTestEvergate, type TestEvergate } from "../support/harness.ts";
import { buildWorld, type CreatedLink, createLink, runs, send, soaking, type World } from "./fixtures.ts";

/**
 * Enumeration: made-up and near-miss link tokens are refused by their checksum before any database
 * read, and every refusal looks the same. A well-formed token that was never issued costs the
 * lookup and answers the very same 404; a revoked, expired or exhausted one answers one 410 that
 * does not say which.
 */

let evergate: TestEvergate;
let world: World;
let active: CreatedLink;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  evergate = await startTestEvergate();
  world = await buildWorld(evergate);
  active = world.authorLink;
  app = createApp(evergate.deps);
});
afterAll(() => evergate?.stop());

/**
 * What a token lookup would cost: item reads and writes. (Query is left out: the sweeper queries in
 * the background every minute, and no lookup ever queries.)
 */
const lookups = () =>
  ["GetItem", "UpdateItem", "PutItem", "DeleteItem", "BatchGetItem"].reduce(
    (sum, operation) => sum + evergate.stack.dynamoRequestCount(operation),
    0,
  );

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const pick = (chars: string) => chars[randomInt(chars.length)] ?? "x";
const randomOf = (chars: string, length: number) => Array.from({ length }, () => pick(chars)).join("");

/** Near misses of a real token: each a plausible typo, truncation or forgery attempt. */
function nearMisses(token: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i < token.length; i++) {
    for (const char of BASE62) {
      if (char !== token[i]) out.add(token.slice(0, i) + char + token.slice(i + 1));
    }
    if (i > 0) out.add(token.slice(0, i)); // truncated
    if (i < token.length - 1) {
      out.add(token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2)); // transposed
    }
    out.add(token.slice(0, i) + token.slice(i + 1)); // a character dropped
  }
  for (const char of BASE62) out.add(token + char);
  for (const prefix of ["evk_", "EVG_", "evg-", "evgg", "abc_", "evg_evg_"]) out.add(prefix + token.slice(4));
  for (let i = 0; i < 200; i++) out.add(token.slice(0, 27) + randomOf(BASE62, 11)); // right head, forged tag
  out.add(token.toUpperCase());
  out.add(token.toLowerCase());
  out.add(` ${token}`);
  out.add(`${token}%00`);
  out.delete(token);
  return [...out];
}

function randomToken(): string {
  switch (randomInt(5)) {
    case 0:
      return `evg_${randomOf(BASE62, 34)}`;
    case 1:
      return randomOf(BASE62, 1 + randomInt(60));
    case 2:
      return `evg_${randomOf(`${BASE62}-_.~`, randomInt(40))}`;
    case 3:
      return encodeURIComponent(
        String.fromCodePoint(
          ...Array.from({ length: 1 + randomInt(20) }, () => 0x20 + randomInt(0xd7ff - 0x20)),
        ),
      );
    default:
      return mintToken("apiKey", evergate.config.TOKEN_KEYS).token; // a well-formed API key is not a link token
  }
}

function tokens(count: number): string[] {
  const list = [...nearMisses(active.token), ...nearMisses(world.ownerLink.token)];
  while (list.length < count) list.push(randomToken());
  return list.slice(0, count);
}

const pathOf = (token: string) => `/l/${/%[0-9A-F]{2}/.test(token) ? token : encodeURIComponent(token)}`;
const withoutRequestId = (body: string) => JSON.stringify({ ...JSON.parse(body), requestId: "" });

describe("GET /l/{token} with made-up and near-miss tokens", () => {
  it("100,000 tokens (10× that per SOAK): all 404 in one shape, zero DynamoDB lookups", async () => {
    const list = tokens(runs(100_000));
    const reference = await app.request(pathOf(randomOf(BASE62, 10)));
    const referenceBody = await reference.text();
    const referenceId = JSON.parse(referenceBody).requestId as string;
    // Equal but for the request id (a UUID, so of equal length): the same bytes around it
    const [before, after] = referenceBody.split(referenceId) as [string, string];
    const referenceHeaders = [...reference.headers.keys()].join(",");
    const readsBefore = lookups();
    const started = performance.now();
    const odd: string[] = [];
    const batch = 500;
    for (let i = 0; i < list.length; i += batch) {
      await Promise.all(
        list.slice(i, i + batch).map(async (token) => {
          const response = await app.request(pathOf(token));
          const body = await response.text();
          if (
            response.status !== 404 ||
            body.length !== referenceBody.length ||
            !body.startsWith(before) ||
            !body.endsWith(after) ||
            [...response.headers.keys()].join(",") !== referenceHeaders
          ) {
            odd.push(`${token} → ${response.status} ${body}`);
          }
        }),
      );
      // Everything above is in memory: let timers and sockets have their turn
      await new Promise((resolve) => setImmediate(resolve));
    }
    const seconds = (performance.now() - started) / 1000;
    console.info(
      `${list.length} tokens in ${seconds.toFixed(1)} s (${Math.round(list.length / seconds)}/s), ` +
        `DynamoDB lookups: ${lookups() - readsBefore}`,
    );
    expect(odd.slice(0, 5)).toEqual([]);
    expect(lookups() - readsBefore).toBe(0);
    expect(JSON.parse(referenceBody)).toMatchObject({
      status: 404,
      code: "not_found",
      detail: "No such link.",
    });
    // A generous bound: the whole suite shares 2 cores (this took 30 s+ there at load 10).
  }, 120_000);

  it("over HTTP, HEAD, previews and browsers too: 404, zero DynamoDB lookups", async () => {
    const list = tokens(runs(2_000));
    const readsBefore = lookups();
    const variants: Array<[string, Record<string, string>]> = [
      ["GET", {}],
      ["HEAD", {}],
      ["POST", {}],
      ["GET", { "user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" }],
      ["GET", { "user-agent": "Mozilla/5.0 Chrome/126", accept: "text/html" }],
    ];
    const htmlBodies = new Set<string>();
    for (let i = 0; i < list.length; i += 50) {
      await Promise.all(
        list.slice(i, i + 50).map(async (token, index) => {
          const [method, headers] = variants[index % variants.length] ?? ["GET", {}];
          const answer = await send(evergate, method, pathOf(token), { headers }).catch((error: Error) => {
            throw new Error(`${method} ${pathOf(token)} ${JSON.stringify(headers)}: ${error.message}`, {
              cause: error,
            });
          });
          expect(answer.status, `${method} ${token}`).toBe(404);
          if (answer.contentType.startsWith("text/html")) htmlBodies.add(answer.body);
        }),
      );
    }
    expect(lookups() - readsBefore).toBe(0);
    expect(htmlBodies.size).toBe(1);
  }, 120_000);
});

describe("well-formed tokens that cannot be used", () => {
  it("never issued: the same 404 as a malformed token (it costs the lookup, nothing else)", async () => {
    const malformed = await send(evergate, "GET", "/l/nonsense");
    const unissued = await send(evergate, "GET", `/l/${mintToken("link", evergate.config.TOKEN_KEYS).token}`);
    expect(unissued.status).toBe(404);
    expect(withoutRequestId(unissued.body)).toBe(withoutRequestId(malformed.body));
    expect(unissued.body.length).toBe(malformed.body.length);
    expect([...unissued.headers.keys()].sort()).toEqual([...malformed.headers.keys()].sort());
    const html = { "user-agent": "Mozilla/5.0 Chrome/126", accept: "text/html" };
    expect(
      (
        await send(evergate, "GET", `/l/${mintToken("link", evergate.config.TOKEN_KEYS).token}`, {
          headers: html,
        })
      ).body,
    ).toBe((await send(evergate, "GET", "/l/nonsense", { headers: html })).body);
  });

  it("revoked, expired and exhausted: the 410 tells the holder why, and nothing else of the link", async () => {
    const revoked = await createLink(evergate, world.owner, {
      productId: world.product.id,
      label: "secret-label",
    });
    expect(
      (await send(evergate, "DELETE", `/api/links/${revoked.id}`, { token: world.owner.token })).status,
    ).toBe(200);
    const exhausted = await createLink(evergate, world.owner, {
      productId: world.product.id,
      maxDownloads: 1,
      graceSeconds: 0,
    });
    expect((await send(evergate, "POST", `/l/${exhausted.token}`)).status).toBe(303);
    const expiring = await createLink(evergate, world.owner, {
      productId: world.product.id,
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    // The same app, an hour later: the link has expired
    const later = createApp({ ...evergate.deps, clock: () => new Date(Date.now() + 3_600_000) });
    const expired = await later.request(`/l/${expiring.token}`);
    const answers = {
      revoked: await send(evergate, "GET", `/l/${revoked.token}`),
      exhausted: await send(evergate, "GET", `/l/${exhausted.token}`),
      expired: { status: expired.status, body: await expired.text(), headers: expired.headers },
    };
    const unknown = await send(evergate, "GET", `/l/${mintToken("link", evergate.config.TOKEN_KEYS).token}`);
    for (const [reason, answer] of Object.entries(answers)) {
      expect(answer.status).toBe(410);
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      expect(body).toMatchObject({ code: "link_gone", reason });
      expect(body.detail).toContain(reason === "exhausted" ? "no downloads left" : reason);
      expect(answer.body).not.toMatch(/secret-label|owner|product|evg_/i);
      expect(Object.keys(body).sort()).toEqual([...Object.keys(JSON.parse(unknown.body)), "reason"].sort());
      // (The expired one came from the in-memory app: no connection headers to compare.)
      if (reason !== "expired") {
        expect([...answer.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());
      }
    }
    // An unknown token reveals nothing: no reason, one fixed detail.
    expect(JSON.parse(unknown.body)).toMatchObject({
      status: 404,
      code: "not_found",
      detail: "No such link.",
    });
  });

  it("an unknown and a revoked token cost the same database work (reported: their latencies)", async () => {
    const revoked = await createLink(evergate, world.owner, { productId: world.product.id });
    await send(evergate, "DELETE", `/api/links/${revoked.id}`, { token: world.owner.token });
    const count = async (token: string) => {
      // What runs off the request path (the access log, link jobs) must not be counted as the hit's.
      await evergate.linkJobsSettled();
      await evergate.streamConsumer.idle();
      const before = lookups();
      await app.request(`/l/${token}`);
      return lookups() - before;
    };
    const unknownReads = await count(mintToken("link", evergate.config.TOKEN_KEYS).token);
    // The same one conditional write each; a refusal on a known link may add the access log's
    // write (at most one a second per link, ADR 021) — its holder is told 410 anyway.
    const revokedReads = await count(revoked.token);
    expect(revokedReads).toBeGreaterThanOrEqual(unknownReads);
    expect(revokedReads).toBeLessThanOrEqual(unknownReads + 1);
    const timings = async (make: () => string) => {
      const samples: number[] = [];
      for (let i = 0; i < (soaking ? 2_000 : 60); i++) {
        const token = make();
        const started = performance.now();
        await (await app.request(`/l/${token}`)).text();
        samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      return {
        median: samples[samples.length >> 1] ?? 0,
        p95: samples[Math.floor(samples.length * 0.95)] ?? 0,
      };
    };
    const malformed = await timings(() => randomOf(BASE62, 32));
    const unknown = await timings(() => mintToken("link", evergate.config.TOKEN_KEYS).token);
    const gone = await timings(() => revoked.token);
    console.info("latency ms (median/p95):", {
      malformed: [malformed.median.toFixed(2), malformed.p95.toFixed(2)],
      unknownWellFormed: [unknown.median.toFixed(2), unknown.p95.toFixed(2)],
      revoked: [gone.median.toFixed(2), gone.p95.toFixed(2)],
    });
    // One round trip each: the conditional UpdateItem, whose refusal carries the item.
    expect(unknownReads).toBe(1);
  });
});
