/**
 * Scenario 7 of `npm run bench` (issue 20): one unlimited link hammered through many Lambda
 * instances in this process, each the real handler (src/lambda/handler.ts) with its own copy of
 * the link and its own batches (src/gateway/hot-links.ts), DynamoDB answered by a stateful canned
 * table that counts writes to the link's item per second.
 */
import type { AppDeps } from "#src/app-deps.ts";
import { awsDeps } from "#src/aws-deps.ts";
import { loadConfig } from "#src/config.ts";
import { createHotLinks } from "#src/gateway/hot-links.ts";
import { createLambdaHandler } from "#src/lambda/handler.ts";
import { jsonLogger } from "#src/logger.ts";
import { functionUrlEvent } from "../test/lambda/function-url-event.ts";
import type { CountingHandler } from "./canned-aws.ts";
import { linkItem } from "./canned-aws.ts";

const silentLogger = jsonLogger("silent");

type AttributeValue = { S?: string; N?: string; M?: Record<string, AttributeValue> };

const bodyText = (body: unknown): string =>
  typeof body === "string" ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : "{}";
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/**
 * The link's item as DynamoDB would keep it: GetItem answers it, a flush (`ADD downloadCount`)
 * adds to it and is counted, as is any other write, by the second of `now()` it arrived in.
 */
export function hotTable(linkId: string, now: () => number) {
  const item: Record<string, AttributeValue> = { ...linkItem(linkId), downloadCount: { N: "0" } };
  const writesBySecond = new Map<number, number>();
  const counts = { reads: 0, writes: 0, flushes: 0, other: 0 };
  const jsonHeaders = { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "bench" };
  const ok = (body: unknown) => ({ response: { statusCode: 200, headers: jsonHeaders, body: encode(body) } });
  const handler: CountingHandler = {
    counts: { dynamodb: 0, s3: 0, flushes: 0, operations: [] },
    reset() {},
    async handle(request) {
      const target = request.headers["x-amz-target"] ?? "";
      const operation = target.slice(target.indexOf(".") + 1);
      const input = JSON.parse(bodyText(request.body)) as {
        UpdateExpression?: string;
        ExpressionAttributeValues?: Record<string, AttributeValue>;
      };
      if (operation === "GetItem") {
        counts.reads++;
        return ok({ Item: item });
      }
      if (operation === "UpdateItem") {
        counts.writes++;
        const second = Math.floor(now() / 1000);
        writesBySecond.set(second, (writesBySecond.get(second) ?? 0) + 1);
        if (input.UpdateExpression?.startsWith("ADD downloadCount :n")) {
          counts.flushes++;
          const added = Number(input.ExpressionAttributeValues?.[":n"]?.N ?? 0);
          item.downloadCount = { N: String(Number(item.downloadCount?.N ?? 0) + added) };
        }
        return ok({ Attributes: item });
      }
      counts.other++;
      return ok({});
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return {
    handler,
    counts,
    writesBySecond,
    downloadCount: () => Number(item.downloadCount?.N ?? 0),
    revoke: (at: Date) => {
      item.revokedAt = { S: at.toISOString() };
    },
  };
}

interface Simulated {
  invoke: (index: number, address: string) => Promise<{ statusCode: number }>;
  flushAll: () => Promise<void>;
}

/** `count` Lambda instances on one canned table: each its own deps, copy and batches. */
function lambdaInstances(
  count: number,
  table: ReturnType<typeof hotTable>,
  clock: () => Date,
  token: string,
): Simulated {
  const config = loadConfig();
  const instances = Array.from({ length: count }, () => {
    const base = awsDeps(config, { requestHandler: table.handler as never, logger: silentLogger });
    const hotLinks = createHotLinks(
      base.stores.links,
      { cacheMs: config.HOT_LINK_CACHE_MS, flushMs: config.HOT_LINK_FLUSH_MS },
      clock,
      silentLogger,
    );
    const deps: AppDeps = { ...base, clock, hotLinks };
    return { handler: createLambdaHandler(deps), hotLinks };
  });
  const context = { getRemainingTimeInMillis: () => 10_000 } as never;
  return {
    async invoke(index, address) {
      const event = functionUrlEvent("GET", `/l/${token}`);
      event.requestContext.http.sourceIp = address;
      const instance = instances[index % count] as (typeof instances)[number];
      return (await instance.handler(event as never, context)) as { statusCode: number };
    },
    flushAll: async () => {
      await Promise.all(instances.map((instance) => instance.hotLinks.flushAll()));
    },
  };
}

const addressOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/**
 * writesPerHit: `rate` hits a second for `seconds` over `instances`, on a simulated clock (this
 * machine cannot serve 10,000 a second for real; the clock moves 1/rate per hit, so every rule
 * that looks at time sees the real rate). Every hit from its own client, so every one counts.
 */
export async function simulateWrites(options: {
  linkId: string;
  token: string;
  rate: number;
  seconds: number;
  instances: number;
}) {
  const start = Date.parse("2026-11-27T12:00:00.000Z");
  let now = start;
  const clock = () => new Date(now);
  const table = hotTable(options.linkId, () => now);
  const lambda = lambdaInstances(options.instances, table, clock, options.token);
  const hits = options.rate * options.seconds;
  let served = 0;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let i = 0; i < hits; i++) {
    now = start + Math.floor((i * 1000) / options.rate);
    const { statusCode } = await lambda.invoke(i, addressOf(i));
    if (statusCode === 302) served++;
  }
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  const writesDuringHits = table.counts.writes;
  await lambda.flushAll();
  const busiest = Math.max(...table.writesBySecond.values());
  return {
    hits,
    served,
    instances: options.instances,
    simulatedRate: options.rate,
    seconds: options.seconds,
    writes: writesDuringHits,
    writesPerHit: writesDuringHits / hits,
    busiestSecondWrites: busiest,
    writesBySecond: [...table.writesBySecond.values()],
    reads: table.counts.reads,
    readsPerSecond: table.counts.reads / options.seconds,
    // Every served hit is in the item once the instances have flushed what they held.
    countedAfterFlush: table.downloadCount(),
    cpuUsPerHit: (cpu.user + cpu.system) / hits,
    wallMs,
  };
}

/**
 * revocationMs, on the real clock: hits round-robin over the instances, the link revoked in the
 * table 1 s in, and the time from the revocation to the last 302 any instance served.
 */
export async function measureRevocation(options: { linkId: string; token: string; instances: number }) {
  const clock = () => new Date();
  const table = hotTable(options.linkId, () => Date.now());
  const lambda = lambdaInstances(options.instances, table, clock, options.token);
  const config = loadConfig();
  const startedAt = performance.now();
  let revokedAt: number | undefined;
  let lastServed = 0;
  let servedAfter = 0;
  let refused = 0;
  let i = 0;
  const until = 1000 + config.HOT_LINK_CACHE_MS + 2000;
  while (performance.now() - startedAt < until) {
    if (revokedAt === undefined && performance.now() - startedAt >= 1000) {
      table.revoke(new Date());
      revokedAt = performance.now();
    }
    const { statusCode } = await lambda.invoke(i, addressOf(i));
    i++;
    if (statusCode === 302) {
      lastServed = performance.now();
      if (revokedAt !== undefined) servedAfter++;
    } else refused++;
  }
  return {
    instances: options.instances,
    hits: i,
    servedAfterRevoke: servedAfter,
    refused,
    revocationMs: revokedAt === undefined ? Number.NaN : Math.max(0, lastServed - revokedAt),
    cacheMs: config.HOT_LINK_CACHE_MS,
  };
}
