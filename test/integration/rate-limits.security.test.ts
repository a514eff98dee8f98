import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "#src/app.ts";
import { createLambdaHandler, type FunctionUrlResult } from "#src/lambda/handler.ts";
import { functionUrlEvent } from "../lambda/function-url-event.ts";
import { startTestEvergate, type TestEvergate, type TestProduct, type TestUser } from "../support/harness.ts";

/**
 * The attacker's view of the rate limits, with the default limits (the harness turns them off for
 * other suites): floods from one address or one key are cut off with 429 + Retry-After before
 * they cost a DynamoDB call, while every other client goes on unaffected.
 */

let evergate: TestEvergate;
let user: TestUser;
let product: TestProduct;
let linkToken: string;

beforeAll(async () => {
  evergate = await startTestEvergate({
    configOverrides: { RATE_LIMITS_ENABLED: "true", HEALTH_CACHE_SECONDS: "5" },
  });
  user = await evergate.newUser("limits");
  product = await evergate.createProduct(user);
  const created = await evergate.request("POST", "/api/links", {
    token: user.token,
    json: { productId: product.id },
  });
  expect(created.status).toBe(201);
  ({ token: linkToken } = (await created.json()) as { token: string });
}, 60_000);
afterAll(async () => {
  for (const agent of agents.values()) agent.destroy();
  await evergate?.stop();
});

/** DynamoDB item reads and writes: what a hit costs (the sweeper's background Query left out). */
/**
 * The calls a request can make on its way to an answer. PutItem is left out: on these paths only
 * the access log writes one, from the table's stream, after the answer (ADR 021).
 */
const dynamoCalls = () =>
  ["GetItem", "UpdateItem", "DeleteItem", "BatchGetItem", "TransactWriteItems"].reduce(
    (sum, operation) => sum + evergate.stack.dynamoRequestCount(operation),
    0,
  );

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agents = new Map<string, Agent>();
const agentFor = (localAddress: string) => {
  let agent = agents.get(localAddress);
  if (!agent) {
    agent = new Agent({ keepAlive: true, localAddress });
    agents.set(localAddress, agent);
  }
  return agent;
};

/** One HTTP request from a chosen loopback source address (127.0.0.0/8 is all ours). */
function sendFrom(
  localAddress: string,
  method: string,
  path: string,
  options: { token?: string; json?: unknown } = {},
): Promise<Sent> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: "127.0.0.1", port: evergate.port, method, path, headers, agent: agentFor(localAddress) },
      (incoming) => {
        let body = "";
        incoming.setEncoding("utf8");
        incoming.on("data", (chunk: string) => {
          body += chunk;
        });
        incoming.on("end", () =>
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** Sends `count` requests, `concurrency` at a time; answers every result and the time taken. */
async function flood<T>(count: number, concurrency: number, send: (index: number) => Promise<T>) {
  const results: T[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) results.push(await send(next++));
    }),
  );
  return { results, seconds: (performance.now() - started) / 1000 };
}

/** What a token bucket may let through in `seconds`: the burst and its refill. */
const allowance = (perMinute: number, seconds: number) => perMinute + Math.ceil((seconds * perMinute) / 60);

describe("GET /l/{token} flooded from one address (npm start: Hono)", () => {
  it("3,000 hits: 302 up to the limit, then 429 with Retry-After at no DynamoDB cost; another address is unaffected", async () => {
    const limit = evergate.config.RATE_LIMIT_LINK_PER_MINUTE;
    const before = dynamoCalls();
    const { results, seconds } = await flood(3_000, 20, () =>
      sendFrom("127.0.0.1", "GET", `/l/${linkToken}`),
    );
    const served = results.filter((r) => r.status === 302).length;
    const refused = results.filter((r) => r.status === 429);
    console.info(
      `/l/ flood: ${served} served, ${refused.length} refused in ${seconds.toFixed(1)} s ` +
        `(${Math.round(results.length / seconds)} req/s); the limit: ${limit}/min per address`,
    );
    expect(served).toBeGreaterThanOrEqual(limit);
    expect(served).toBeLessThanOrEqual(allowance(limit, seconds));
    // Anything else may only be a 503 (a stand-in timing out on a loaded machine), never a 5xx of ours
    expect(results.filter((r) => ![302, 429, 503].includes(r.status))).toEqual([]);
    expect(served + refused.length).toBeGreaterThan(2_990);
    // One UpdateItem per redirect (or per timed-out attempt); nothing for a refusal
    // Refused hits cost nothing: at most a handful of calls beyond the served ones, which the access
    // log's consumer makes off the request path (each refusal costing a call would add 2,800+).
    expect(dynamoCalls() - before).toBeLessThanOrEqual(3_000 - refused.length + 10);
    expect(dynamoCalls() - before).toBeGreaterThanOrEqual(served);
    const sample = refused.at(-1);
    expect(sample?.headers["content-type"]).toBe("application/problem+json");
    expect(Number(sample?.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(sample?.headers["ratelimit-policy"]).toBe(`"link";q=${limit};w=60`);
    expect(sample?.headers.ratelimit).toMatch(/^"link";r=0;t=\d+$/);
    expect(JSON.parse(sample?.body ?? "{}")).toMatchObject({ status: 429, code: "rate_limited" });

    const other = await sendFrom("127.0.0.2", "GET", `/l/${linkToken}`);
    expect(other.status).toBe(302);
    expect(other.headers.ratelimit).toBe(`"link";r=${limit - 1};t=1`);
  });

  it("malformed tokens count too: a refused hit costs nothing whatever it carries", async () => {
    await evergate.streamConsumer.idle(); // the access log of the hits above, off the request path
    const before = dynamoCalls();
    const { results } = await flood(500, 20, (i) => sendFrom("127.0.0.3", "GET", `/l/nonsense-${i}`));
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([404, 429]));
    expect(dynamoCalls() - before).toBe(0);
  });
});

describe("GET /l/{token} through the Lambda's own path (no Hono)", () => {
  const invokeFrom = (handler: ReturnType<typeof createLambdaHandler>, sourceIp: string) => {
    const event = functionUrlEvent("GET", `/l/${linkToken}`);
    event.requestContext.http.sourceIp = sourceIp;
    return handler(event as never, {} as never) as Promise<FunctionUrlResult>;
  };

  it("the same limiter and rule: 3,000 events from one address → 429 after the limit, zero DynamoDB calls for them", async () => {
    const handler = createLambdaHandler(evergate.deps);
    const app = createApp(evergate.deps);
    const limit = evergate.config.RATE_LIMIT_LINK_PER_MINUTE;
    const before = dynamoCalls();
    const { results, seconds } = await flood(3_000, 20, () => invokeFrom(handler, "198.51.100.7"));
    const served = results.filter((r) => r.statusCode === 302).length;
    const refused = results.filter((r) => r.statusCode === 429);
    console.info(
      `Lambda /l/ flood: ${served} served, ${refused.length} refused in ${seconds.toFixed(1)} s ` +
        `(${Math.round(results.length / seconds)} events/s)`,
    );
    expect(served).toBeGreaterThanOrEqual(limit);
    expect(served).toBeLessThanOrEqual(allowance(limit, seconds));
    // As above: served hits, plus at most a handful from the access log's consumer.
    expect(dynamoCalls() - before).toBeGreaterThanOrEqual(served);
    expect(dynamoCalls() - before).toBeLessThanOrEqual(served + 10);
    // The Hono app on the same deps shares the bucket: one limiter, whichever way in. A fresh
    // address spends its burst through the Lambda; Hono then serves only what refilled meanwhile.
    const started = performance.now();
    const viaLambda = await flood(limit, 10, () => invokeFrom(handler, "198.51.100.9"));
    const viaHono = await Promise.all(
      Array.from({ length: 30 }, () =>
        app.request(`/l/${linkToken}`, {}, { requestContext: { http: { sourceIp: "198.51.100.9" } } }),
      ),
    );
    const both =
      viaLambda.results.filter((r) => r.statusCode === 302).length +
      viaHono.filter((r) => r.status === 302).length;
    expect(both).toBeLessThanOrEqual(allowance(limit, (performance.now() - started) / 1000));
    expect(viaHono.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(refused[0]?.headers?.["retry-after"]).toMatch(/^\d+$/);
    expect(refused[0]?.headers?.["ratelimit-policy"]).toBe(`"link";q=${limit};w=60`);

    expect((await invokeFrom(handler, "198.51.100.8")).statusCode).toBe(302);
  });

  it("IPv6 clients are one client per /64: rotating within it does not help", async () => {
    const handler = createLambdaHandler(evergate.deps);
    const limit = evergate.config.RATE_LIMIT_LINK_PER_MINUTE;
    const { results } = await flood(limit + 50, 10, (i) =>
      invokeFrom(handler, `2001:db8:7:1:${i.toString(16)}::1`),
    );
    expect(results.filter((r) => r.statusCode === 429).length).toBeGreaterThanOrEqual(40);
    expect((await invokeFrom(handler, "2001:db8:7:2::1")).statusCode).toBe(302);
  });
});

describe("POST /api/links flooded by one API key", () => {
  it("1,000 creations: 429 after the expensive-write limit, before the table fills", async () => {
    const keyResponse = await evergate.request("POST", "/api/keys", {
      token: user.token,
      json: { name: "flooder", scopes: ["links:write", "links:read"] },
    });
    expect(keyResponse.status).toBe(201);
    const { key } = (await keyResponse.json()) as { key: string };
    const limit = evergate.config.RATE_LIMIT_EXPENSIVE_PER_MINUTE;
    // From an address of its own: the per-address limit (600/min) is not what this test is about
    const { results, seconds } = await flood(1_000, 10, () =>
      sendFrom("127.0.0.5", "POST", "/api/links", {
        token: key,
        json: { productId: product.id, label: "flood" },
      }),
    );
    const created = results.filter((r) => r.status === 201).length;
    const refused = results.filter((r) => r.status === 429);
    console.info(
      `POST /api/links flood: ${created} created, ${refused.length} refused in ${seconds.toFixed(1)} s; ` +
        `the limit: ${limit}/min per key`,
    );
    expect(created).toBeGreaterThanOrEqual(limit);
    expect(created).toBeLessThanOrEqual(allowance(limit, seconds));
    expect(created + refused.length).toBe(1_000);
    expect(Number(refused[0]?.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(refused[0]?.headers["ratelimit-policy"]).toContain(`"expensive";q=${limit};w=60`);
    expect(JSON.parse(refused[0]?.body ?? "{}")).toMatchObject({ code: "rate_limited" });
    // Every link the owner has: the first one, and those the key made before the 429s
    const listed = await evergate.request("GET", "/api/links?limit=100", { token: user.token });
    const { items } = (await listed.json()) as { items: Array<{ label?: string }> };
    expect(items.filter((link) => link.label === "flood")).toHaveLength(created);
    // The user's own session is another caller: still creates
    const own = await evergate.request("POST", "/api/links", {
      token: user.token,
      json: { productId: product.id },
    });
    expect(own.status).toBe(201);
  });
});

describe("GET /api/health hammered", () => {
  it("1,000 concurrent callers from 1,000 addresses: one probe per cache period, shared by all", async () => {
    let offsetMs = 0;
    const deps = { ...evergate.deps, clock: () => new Date(Date.now() + offsetMs) };
    const app = createApp(deps);
    const probes = () => evergate.stack.dynamoRequestCount("DescribeTable");
    const call = (i: number) =>
      app.request(
        "/api/health",
        {},
        { incoming: { socket: { remoteAddress: `10.1.${i >> 8}.${i & 255}` } } },
      );
    const before = probes();
    const first = await Promise.all(Array.from({ length: 1_000 }, (_, i) => call(i)));
    expect(first.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    expect(probes() - before).toBe(1);
    offsetMs = 3_000;
    await Promise.all(Array.from({ length: 200 }, (_, i) => call(i)));
    expect(probes() - before).toBe(1);
    offsetMs = 6_000;
    await Promise.all(Array.from({ length: 200 }, (_, i) => call(i)));
    expect(probes() - before).toBe(2);
  });

  it("from one address: the anonymous limit answers 429 after it", async () => {
    const limit = evergate.config.RATE_LIMIT_ANONYMOUS_PER_MINUTE;
    const { results, seconds } = await flood(400, 10, () => sendFrom("127.0.0.4", "GET", "/api/health"));
    const ok = results.filter((r) => r.status === 200).length;
    console.info(`/api/health flood: ${ok} answered, ${400 - ok} refused in ${seconds.toFixed(1)} s`);
    expect(ok).toBeGreaterThanOrEqual(limit);
    expect(ok).toBeLessThanOrEqual(allowance(limit, seconds));
    const refused = results.find((r) => r.status === 429);
    expect(refused?.headers["ratelimit-policy"]).toContain(`"anonymous";q=${limit};w=60`);
  });
});

describe("an address-rotating flood", () => {
  it("20,000 addresses through the app keep each limiter at RATE_LIMIT_MAX_CLIENTS", async () => {
    const app = createApp(evergate.deps);
    const max = evergate.config.RATE_LIMIT_MAX_CLIENTS;
    for (let i = 0; i < 20_000; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, j) => {
          const n = i + j;
          return app.request(
            "/l/nonsense",
            {},
            { incoming: { socket: { remoteAddress: `10.2.${n >> 8}.${n & 255}` } } },
          );
        }),
      );
    }
    expect(evergate.deps.rateLimits.clients("link")).toBe(max);
  });
});
