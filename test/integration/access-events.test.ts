import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessEvent } from "#src/domain/access-event.ts";
import { createDynamoClient } from "#src/storage/dynamo-client.ts";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";

let evergate: TestEvergate;
let seller: TestUser;
let buyer: TestUser;
let product: TestProduct;

beforeAll(async () => {
  // The deployment's proxy header is trusted here, as CloudFront's is in AWS: the test plays it.
  evergate = await startTestEvergate({
    configOverrides: { CLIENT_ADDRESS_HEADER: "x-test-viewer", CLIENT_COUNTRY_HEADER: "x-test-country" },
  });
  [seller, buyer] = await Promise.all([evergate.newUser("seller"), evergate.newUser("buyer")]);
  product = await evergate.createProduct(seller, { title: "Logged thing", filename: "log.txt" });
  expect(
    (await evergate.request("POST", `/api/products/${product.id}/orders`, { token: buyer.token })).status,
  ).toBe(201);
});
afterAll(() => evergate?.stop());

async function createLink(body: Record<string, unknown> = {}) {
  const response = await evergate.request("POST", "/api/links", {
    token: buyer.token,
    json: { productId: product.id, ...body },
  });
  expect(response.status).toBe(201);
  return json<{ id: string; token: string }>(response);
}

const hit = (token: string, viewer: string, headers: Record<string, string> = {}, method = "GET") =>
  evergate.request(method, `/l/${token}`, {
    headers: { "user-agent": "curl/8.5.0", "x-test-viewer": viewer, ...headers },
  });

/** Polls the access log until `until` holds; answers the events and how long it took. */
async function eventsOf(linkId: string, until: (events: AccessEvent[]) => boolean) {
  const startedAt = performance.now();
  for (;;) {
    const { items } = await evergate.deps.stores.events.listByLink(linkId, { limit: 100 });
    if (until(items)) return { events: items, lagMs: performance.now() - startedAt };
    if (performance.now() - startedAt > 5000)
      throw new Error(`events never arrived: ${JSON.stringify(items)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("access events from the table's stream", () => {
  it("a download appears in the link's events within seconds, with client class, country and a client id", async () => {
    const link = await createLink();
    const response = await hit(link.token, "203.0.113.7", {
      "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
      "x-test-country": "de",
    });
    expect(response.status).toBe(302);
    const { events, lagMs } = await eventsOf(link.id, (items) =>
      items.some((event) => event.kind === "download"),
    );
    console.info(`event lag (write -> event readable): ${lagMs.toFixed(0)} ms`);
    expect(lagMs).toBeLessThan(2000);
    const download = events.find((event) => event.kind === "download");
    expect(download).toMatchObject({
      linkId: link.id,
      productId: product.id,
      ownerId: buyer.userId,
      outcome: "granted",
      client: { class: "browser", browser: "Firefox", os: "Linux" },
      country: "DE",
    });
    expect(download?.clientId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(events.map((event) => event.kind)).toContain("created");
  });

  it("the client id is the gateway's same-client key: same address and agent, same id; another address, another", async () => {
    // No grace on this link, so the same client's second hit counts (and logs) again.
    const link = await createLink({ graceSeconds: 0 });
    for (const viewer of ["198.51.100.1", "198.51.100.1", "198.51.100.2"]) {
      expect((await hit(link.token, viewer)).status).toBe(302);
    }
    const { events } = await eventsOf(
      link.id,
      (items) => items.filter((event) => event.kind === "download").length === 3,
    );
    const ids = events.filter((event) => event.kind === "download").map((event) => event.clientId);
    expect(new Set(ids).size).toBe(2);
    expect(events.find((event) => event.kind === "download")?.client).toEqual({
      class: "cli",
      browser: "curl",
    });
  });

  it("a re-hit inside the client's grace is served but not logged: its download already is", async () => {
    const link = await createLink();
    for (let i = 0; i < 3; i++) expect((await hit(link.token, "198.51.100.77")).status).toBe(302);
    expect((await hit(link.token, "198.51.100.78")).status).toBe(302);
    await evergate.streamConsumer.idle();
    const { events } = await eventsOf(
      link.id,
      (items) => items.filter((event) => event.kind === "download").length === 2,
    );
    expect(events.filter((event) => event.kind === "refused")).toEqual([]);
  });

  it("a refusal on a known link is logged with its reason; the last download also logs exhausted", async () => {
    const link = await createLink({ maxDownloads: 1 });
    expect((await hit(link.token, "192.0.2.1", {}, "POST")).status).toBe(303);
    // Another client: the first one would be served again inside its grace.
    expect((await hit(link.token, "192.0.2.2", {}, "POST")).status).toBe(410);
    const { events } = await eventsOf(link.id, (items) => items.some((event) => event.kind === "refused"));
    expect(events.find((event) => event.kind === "refused")).toMatchObject({ outcome: "exhausted" });
    expect(events.map((event) => event.kind)).toEqual(
      expect.arrayContaining(["download", "exhausted", "refused"]),
    );
  });

  it("revoking logs revoked, rotating logs rotated, and a hit on a revoked link is refused as revoked", async () => {
    const revoked = await createLink();
    expect(
      (await evergate.request("DELETE", `/api/links/${revoked.id}`, { token: buyer.token })).status,
    ).toBe(200);
    expect((await hit(revoked.token, "192.0.2.9")).status).toBe(410);
    const { events } = await eventsOf(revoked.id, (items) => items.some((event) => event.kind === "refused"));
    expect(events.find((event) => event.kind === "refused")).toMatchObject({ outcome: "revoked" });
    expect(events.map((event) => event.kind)).toContain("revoked");

    const rotated = await createLink();
    expect(
      (await evergate.request("POST", `/api/links/${rotated.id}/rotate`, { token: buyer.token })).status,
    ).toBe(201);
    const after = await eventsOf(rotated.id, (items) => items.some((event) => event.kind === "rotated"));
    expect(after.events.map((event) => event.kind)).not.toContain("revoked");
  });

  it("hammering a dead link: 300 refusals cost at most one logged refusal per second", async () => {
    const link = await createLink();
    expect((await evergate.request("DELETE", `/api/links/${link.id}`, { token: buyer.token })).status).toBe(
      200,
    );
    const startedAt = Date.now();
    const statuses: number[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const waveStatuses = await Promise.all(
        Array.from({ length: 30 }, (_, j) => {
          const i = wave * 30 + j;
          return hit(link.token, `10.0.${i >> 8}.${i & 255}`).then((r) => r.status);
        }),
      );
      statuses.push(...waveStatuses);
    }
    const seconds = Math.ceil((Date.now() - startedAt) / 1000) + 1;
    expect(new Set(statuses)).toEqual(new Set([410]));
    await evergate.streamConsumer.idle();
    const { items } = await evergate.deps.stores.events.listByLink(link.id, { limit: 1000 });
    const refusals = items.filter((event) => event.kind === "refused").length;
    expect(refusals).toBeGreaterThanOrEqual(1);
    expect(refusals).toBeLessThanOrEqual(seconds);
  }, 120_000);

  it("the granted redirect stays one DynamoDB call: the hit rides in its UpdateItem", async () => {
    const link = await createLink();
    await evergate.streamConsumer.idle();
    const operations: string[] = [];
    const unsubscribe = evergate.stack.onDynamoRequest((operation) => operations.push(operation));
    const response = await hit(link.token, "192.0.2.50");
    unsubscribe();
    expect(response.status).toBe(302);
    // The consumer's own writes (PutItem of events) may interleave; the redirect's are the rest.
    expect(operations.filter((operation) => operation !== "PutItem")).toEqual(["UpdateItem"]);
    const stored = await evergate.deps.stores.links.get(link.id);
    expect((stored as unknown as { lastHit: unknown }).lastHit).toEqual({
      at: expect.any(String),
      clientId: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
      userAgent: "curl/8.5.0",
      outcome: "granted",
    });
  });

  it("no raw IP is stored anywhere in the table", async () => {
    await evergate.streamConsumer.idle();
    const client = createDynamoClient({
      region: evergate.config.AWS_REGION,
      endpoint: evergate.config.DYNAMODB_ENDPOINT,
      credentials: evergate.stack.credentials,
    });
    let startKey: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
    let text = "";
    let items = 0;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: evergate.config.TABLE_NAME, ExclusiveStartKey: startKey }),
      );
      items += page.Items?.length ?? 0;
      text += JSON.stringify(page.Items);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    client.destroy();
    expect(items).toBeGreaterThan(20);
    expect(text).toContain("lastHit");
    for (const address of [
      "203.0.113.7",
      "198.51.100.1",
      "198.51.100.2",
      "192.0.2.1",
      "10.0.1.244",
      "127.0.0.1",
    ]) {
      expect(text).not.toContain(address);
    }
    expect(text).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
  });
});

describe("the access log and stats over HTTP", () => {
  it("GET /api/links/{id}/events: newest first, paged, filtered by outcome; the export is CSV; stats add up", async () => {
    const link = await createLink({ maxDownloads: 3 });
    const browser =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    // A limited link is spent by POSTs only, one client's count each (its re-hits ride its grace).
    expect((await hit(link.token, "203.0.113.20", { "x-test-country": "NL" }, "POST")).status).toBe(303);
    expect((await hit(link.token, "203.0.113.23", { "x-test-country": "NL" }, "POST")).status).toBe(303);
    // A browser's POST from the confirm page (limited links confirm first)
    const confirmed = await evergate.request("POST", `/l/${link.token}`, {
      headers: { "user-agent": browser, "x-test-viewer": "203.0.113.21", "x-test-country": "BE" },
    });
    expect(confirmed.status).toBe(303);
    expect((await hit(link.token, "203.0.113.22", {}, "POST")).status).toBe(410);
    await eventsOf(link.id, (items) => items.some((event) => event.kind === "refused"));

    const all = await json<{ items: AccessEvent[] }>(
      await evergate.request("GET", `/api/links/${link.id}/events?limit=100`, { token: buyer.token }),
    );
    const times = all.items.map((event) => event.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(all.items.filter((event) => event.kind === "download")).toHaveLength(3);
    expect(JSON.stringify(all)).not.toContain(buyer.userId);

    const granted = await json<{ items: AccessEvent[] }>(
      await evergate.request("GET", `/api/links/${link.id}/events?outcome=granted`, { token: seller.token }),
    );
    expect(granted.items.map((event) => event.outcome)).toEqual(["granted", "granted", "granted"]);
    const exhausted = await json<{ items: AccessEvent[] }>(
      await evergate.request("GET", `/api/links/${link.id}/events?outcome=exhausted`, { token: buyer.token }),
    );
    expect(exhausted.items.map((event) => event.kind)).toEqual(["refused"]);

    const first = await json<{ items: AccessEvent[]; nextCursor?: string }>(
      await evergate.request("GET", `/api/links/${link.id}/events?limit=2`, { token: buyer.token }),
    );
    expect(first.items).toHaveLength(2);
    const second = await json<{ items: AccessEvent[] }>(
      await evergate.request(
        "GET",
        `/api/links/${link.id}/events?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? "")}`,
        { token: buyer.token },
      ),
    );
    expect(second.items[0]?.id).toBe(all.items[2]?.id);

    const csv = await evergate.request("GET", `/api/links/${link.id}/events/export`, { token: buyer.token });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toBe(
      `attachment; filename="link-${link.id.slice(0, 12)}-events.csv"`,
    );
    const lines = (await csv.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("at,kind,outcome,clientClass,browser,os,country,clientId,eventId,count");
    expect(lines).toHaveLength(all.items.length + 1);
    expect(
      lines.filter((line) => line.includes('"download","granted","browser","Chrome","Windows","BE"')),
    ).toHaveLength(1);

    const stats = await json<Record<string, unknown>>(
      await evergate.request("GET", `/api/links/${link.id}/stats?days=1`, { token: buyer.token }),
    );
    expect(stats).toMatchObject({
      downloads: 3,
      refusals: 1,
      distinctClients: 3,
      topCountries: [
        { country: "NL", downloads: 2 },
        { country: "BE", downloads: 1 },
      ],
      clientClasses: [
        { class: "cli", downloads: 2 },
        { class: "browser", downloads: 1 },
      ],
      truncated: false,
    });
  });

  it("GET /api/products/{id}/stats sums every link to the seller's product; the buyer gets 404", async () => {
    await evergate.streamConsumer.idle();
    const before = await json<{ downloads: number }>(
      await evergate.request("GET", `/api/products/${product.id}/stats`, { token: seller.token }),
    );
    // No grace: the same client's second hit of b counts again.
    const [a, b] = [await createLink({ graceSeconds: 0 }), await createLink({ graceSeconds: 0 })];
    for (const token of [a.token, b.token, b.token])
      expect((await hit(token, "198.51.100.77")).status).toBe(302);
    await evergate.streamConsumer.idle();
    // The product's view is an index: eventually consistent, as in AWS
    let after = before;
    for (let i = 0; i < 100 && after.downloads < before.downloads + 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await json(
        await evergate.request("GET", `/api/products/${product.id}/stats`, { token: seller.token }),
      );
    }
    expect(after.downloads).toBe(before.downloads + 3);
    expect(
      (await evergate.request("GET", `/api/products/${product.id}/stats`, { token: buyer.token })).status,
    ).toBe(404);
  });
});
