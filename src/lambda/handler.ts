import type { DynamoDBStreamEvent, SQSEvent } from "aws-lambda";
import type { LambdaContext, LambdaEvent } from "hono/aws-lambda";
import type { AppDeps } from "../app-deps.ts";
import { answerLink, LINK_METHODS, type LinkMethod, linkFormOf } from "../gateway/answer.ts";
import type { Answer } from "../http/answer.ts";
import { clientAddress } from "../http/client-address.ts";
import { errorAnswer } from "../http/errors.ts";
import { commonHeaders, DEFAULT_REFERRER_POLICY, logAccess, requestIdOf } from "../http/middleware.ts";
import { addressBucket, enforceRateLimit } from "../http/rate-limits.ts";
import { loadOnce } from "../load-once.ts";
import { errorFields } from "../logger.ts";
import { elapsedMs } from "../metrics/metrics.ts";
import { LINK_ROUTE, recordRequest } from "../metrics/request-metrics.ts";

type ScheduledSweep = { evergate: "sweep" };
type ScheduledLinkJobs = { evergate: "link-jobs" };
/** What the table's stream delivers for a new link job (the event source filters on the key). */
type StreamRecords = {
  Records: Array<{
    eventSource?: string;
    dynamodb?: { Keys?: { pk?: { S?: string } }; SequenceNumber?: string };
  }>;
};
/** A function URL event (payload 2.0). */
type FunctionUrlEvent = Extract<LambdaEvent, { rawPath: string }>;

/** What a function URL expects back (payload 2.0). */
export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

const isScheduledSweep = (event: unknown): event is ScheduledSweep =>
  typeof event === "object" && event !== null && (event as ScheduledSweep).evergate === "sweep";

const isScheduledLinkJobs = (event: unknown): event is ScheduledLinkJobs =>
  typeof event === "object" && event !== null && (event as ScheduledLinkJobs).evergate === "link-jobs";

const isStreamRecords = (event: unknown): event is StreamRecords =>
  typeof event === "object" &&
  event !== null &&
  Array.isArray((event as StreamRecords).Records) &&
  (event as StreamRecords).Records.every((record) => record.eventSource === "aws:dynamodb");

/** Leaves the worker this long to save its cursor before Lambda's timeout. */
const WORKER_MARGIN_MS = 15_000;

/** A batch from the webhook delivery queue. */
const isQueueBatch = (event: unknown): event is SQSEvent =>
  (event as SQSEvent | undefined)?.Records?.[0]?.eventSource === "aws:sqs";

const LINK_PATH = /^\/l\/([^/]+)$/;
const linkMethods: ReadonlySet<string> = new Set(LINK_METHODS);

/** A function URL (payload 2.0) request for /l/{token}: the gateway's own path. */
function linkRequestOf(event: LambdaEvent): { event: FunctionUrlEvent; token: string } | undefined {
  if (!("rawPath" in event) || !linkMethods.has(event.requestContext?.http?.method)) return undefined;
  const encoded = LINK_PATH.exec(event.rawPath)?.[1];
  if (encoded === undefined) return undefined;
  let token = encoded;
  try {
    token = decodeURIComponent(encoded); // as Hono decodes a path parameter
  } catch {}
  return { event, token };
}

/**
 * One function for the whole surface, loaded by what a request needs. A redirect is answered by
 * src/gateway/answer.ts straight from the event: no Hono app, no Request or Response objects,
 * which cost a third of a redirect's CPU (bench/README.md). The same answer, the same common
 * headers, error mapping and access log as the app's; test/lambda/lambda-bundle.test.ts holds the
 * two side by side. Everything else (the API, its zod schemas, the JWT verifier) is imported on
 * the first request that needs it, the sweeper on its schedule.
 */
export function createLambdaHandler(deps: AppDeps, options: { sdkClients?: readonly object[] } = {}) {
  const loadApi = loadOnce(() => import("./api.ts").then(({ createApiHandler }) => createApiHandler(deps)));

  /** The rule Hono's /l/* middleware applies (src/gateway/route.ts): a refused hit costs no DynamoDB call. */
  async function limitedLinkAnswer(
    address: string | undefined,
    request: Parameters<typeof answerLink>[1],
  ): Promise<Answer> {
    const client = addressBucket(address);
    const limitHeaders = enforceRateLimit(deps.rateLimits, "link", client);
    const answer = await answerLink(deps, request);
    return limitHeaders ? { ...answer, headers: { ...answer.headers, ...limitHeaders } } : answer;
  }

  async function answerLinkEvent(event: FunctionUrlEvent, token: string): Promise<FunctionUrlResult> {
    const startedAt = performance.now();
    const headers = event.headers ?? {};
    const requestId = requestIdOf(headers["x-request-id"]);
    const method = event.requestContext.http.method as LinkMethod;
    const header = (name: string) => headers[name];
    const address = clientAddress({
      peer: event.requestContext.http.sourceIp,
      trustedHeader: deps.config.CLIENT_ADDRESS_HEADER,
      header,
    });
    const body =
      method === "POST" && event.body
        ? event.isBase64Encoded
          ? Buffer.from(event.body, "base64").toString("utf8")
          : event.body
        : undefined;
    const form = linkFormOf(headers["content-type"], body);
    const answer = await limitedLinkAnswer(address, {
      method,
      token,
      requestId,
      clientAddress: address,
      header,
      ...(form ? { form } : {}),
    }).catch((error: unknown) => errorAnswer(error, requestId, deps.logger));
    logAccess(deps.logger, { requestId, method, path: event.rawPath, status: answer.status, startedAt });
    recordRequest(deps.metrics, { route: LINK_ROUTE, status: answer.status, ms: elapsedMs(startedAt) });
    // Hot links' counts (ADR 024): a flush that is due runs before the answer goes, since Lambda
    // freezes the instance once it has answered (no extension, no shutdown hook).
    await deps.hotLinks?.settled();
    return {
      statusCode: answer.status,
      headers: { "referrer-policy": DEFAULT_REFERRER_POLICY, ...answer.headers, ...commonHeaders(requestId) },
      body: answer.body ?? "",
      isBase64Encoded: false,
    };
  }

  /**
   * The link-job worker (infra/constructs/link-jobs.ts): the table's stream hands it each new job,
   * a schedule the ones whose worker died. A record that fails is reported back for a retry.
   */
  async function runLinkJobsFor(event: StreamRecords | ScheduledLinkJobs, deadline: number) {
    const { runDueLinkJobs, runLinkJob } = await import("../services/link-jobs.ts");
    const { LINK_JOB_KEY_PREFIX } = await import("../storage/dynamo-link-jobs.ts");
    if (!("Records" in event)) return { done: await runDueLinkJobs(deps, { deadline }) };
    const batchItemFailures: Array<{ itemIdentifier: string }> = [];
    for (const record of event.Records) {
      const key = record.dynamodb?.Keys?.pk?.S ?? "";
      if (!key.startsWith(LINK_JOB_KEY_PREFIX)) continue;
      try {
        await runLinkJob(deps, key.slice(LINK_JOB_KEY_PREFIX.length), { deadline });
      } catch (error) {
        deps.logger.warn("link job failed", { key, ...errorFields(error) });
        const sequence = record.dynamodb?.SequenceNumber;
        if (sequence) batchItemFailures.push({ itemIdentifier: sequence });
      }
    }
    return { batchItemFailures };
  }

  /** The access log's consumer (src/lambda/stream.ts), loaded on the first stream batch. */
  const loadStreamHandler = loadOnce(() =>
    import("./stream.ts").then(({ createStreamHandler }) => createStreamHandler(deps)),
  );

  /**
   * A batch from the table's stream goes to both of its readers: the link-job worker takes the
   * job records, the access log the link records (each skips the rest, and both are idempotent,
   * so a record one of them reports failed may come again to both).
   */
  async function runStreamBatch(event: StreamRecords, deadline: number) {
    const jobs = await runLinkJobsFor(event, deadline);
    const log = await (await loadStreamHandler())(event as unknown as DynamoDBStreamEvent);
    const failed = [
      ...(("batchItemFailures" in jobs ? jobs.batchItemFailures : undefined) ?? []),
      ...(log.batchItemFailures ?? []),
    ];
    return { batchItemFailures: [...new Map(failed.map((f) => [f.itemIdentifier, f])).values()] };
  }

  const loadQueueHandler = loadOnce(() =>
    import("./webhook-queue.ts").then(({ createWebhookQueueHandler }) => createWebhookQueueHandler(deps)),
  );

  type Event = LambdaEvent | ScheduledSweep | ScheduledLinkJobs | StreamRecords | SQSEvent;
  let coldStart = true;
  // Powertools Tracer and the X-Ray SDK (~128 KB) are imported only when tracing is on (ADR 029).
  const loadTracing = loadOnce(() =>
    import("./tracing.ts").then(({ createTracing }) => createTracing(options.sdkClients ?? [])),
  );

  /**
   * Every invocation's end is when metrics may go out (EMF lines in AWS, at most once a second on
   * a busy instance): Lambda may freeze the instance once the handler has returned.
   */
  return async (event: Event, context: LambdaContext) => {
    if (coldStart) deps.metrics.add("ColdStarts", 1);
    coldStart = false;
    try {
      if (deps.config.TRACING === "on") return await (await loadTracing())(() => dispatch(event, context));
      return await dispatch(event, context);
    } finally {
      endInvocation();
    }
  };

  /** Metrics that fail to go out are logged, never the answer's failure: it is already made. */
  function endInvocation() {
    try {
      deps.metrics.endInvocation();
    } catch (error) {
      deps.logger.error("metrics not written", errorFields(error));
    }
  }

  async function dispatch(event: Event, context: LambdaContext) {
    if (isQueueBatch(event)) return (await loadQueueHandler())(event);
    if (isScheduledSweep(event)) {
      const { sweepGarbage } = await import("../services/products.ts");
      return { deleted: await sweepGarbage(deps, 500) };
    }
    const deadline = () => Date.now() + context.getRemainingTimeInMillis() - WORKER_MARGIN_MS;
    if (isStreamRecords(event)) return runStreamBatch(event, deadline());
    if (isScheduledLinkJobs(event)) return runLinkJobsFor(event, deadline());
    const link = linkRequestOf(event);
    if (link) return answerLinkEvent(link.event, link.token);
    return (await loadApi())(event, context);
  }
}
