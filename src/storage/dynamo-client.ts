import {
  DynamoDBClient,
  type DynamoDBClientConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from "@aws-sdk/client-dynamodb";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments } from "@smithy/types";
import { cachedIn, elapsedMs, type Metrics, noMetrics } from "#src/metrics/metrics.ts";

/** What DynamoDB answers when a table or account is over its throughput (each attempt counts). */
const THROTTLES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
]);

/**
 * A DynamoDBClient that keeps one SigV4 signer. By default the SDK builds a new signer for every
 * request, copying the whole resolved config into it; every redirect is one UpdateItem, and one
 * signer saves a measurable share of its CPU (bench/README.md). Same credentials provider (cached
 * and refreshed by the SDK), same hash, same region and service: the signatures are byte-identical
 * (src/storage/dynamo-client.test.ts).
 */
export function createDynamoClient(
  config: DynamoDBClientConfig,
  metrics: Metrics = noMetrics,
): DynamoDBClient {
  let signer: SignatureV4 | undefined;
  const client: DynamoDBClient = new DynamoDBClient({
    ...config,
    // Every call is one command type of a few: resolve the middleware stack once per type.
    cacheMiddleware: true,
    signer: async () => {
      signer ??= new SignatureV4({
        credentials: client.config.credentials,
        region: client.config.region,
        service: "dynamodb",
        sha256: client.config.sha256,
      });
      return signer;
    },
  });
  measure(client, metrics);
  return client;
}

/**
 * `DynamoDBLatency` and `DynamoDBThrottles` per attempt, from one middleware inside the SDK's retry
 * loop: the latency is DynamoDB's own (the SDK's backoff between attempts is in the request's
 * `Latency`), and a throttle the SDK retried away still counts. One middleware rather than one
 * per metric: each is an async frame on every redirect's write (ADR 029, the CPU budget).
 */
function measure(client: DynamoDBClient, metrics: Metrics): void {
  if (metrics === noMetrics) return;
  // One dimensions object per command, made once: a call's metrics allocate nothing.
  const operations = new Map<string | undefined, { Operation: string }>();
  const operationOf = (commandName: string | undefined) =>
    cachedIn(operations, commandName, (name) => ({ Operation: (name ?? "Unknown").replace(/Command$/, "") }));
  client.middlewareStack.addRelativeTo(
    (next: InitializeHandler<ServiceInputTypes, ServiceOutputTypes>, context: HandlerExecutionContext) =>
      async (args: InitializeHandlerArguments<ServiceInputTypes>) => {
        const startedAt = performance.now();
        try {
          return await next(args);
        } catch (error) {
          if (error instanceof Error && THROTTLES.has(error.name))
            metrics.add("DynamoDBThrottles", 1, operationOf(context.commandName));
          throw error;
        } finally {
          metrics.add("DynamoDBLatency", elapsedMs(startedAt), operationOf(context.commandName));
        }
      },
    { relation: "after", toMiddleware: "retryMiddleware", name: "evergateDynamoMetrics" },
  );
}
