import * as powertools from "@aws-lambda-powertools/metrics";
import { awsDeps } from "#src/aws-deps.ts";
import { loadConfig } from "#src/config.ts";
import { createLambdaHandler } from "#src/lambda/handler.ts";
import { emfMetrics } from "#src/metrics/emf.ts";
import { type Metrics, noMetrics } from "#src/metrics/metrics.ts";
import { lazyPowertoolsMetrics, powertoolsMetrics } from "./powertools-metrics.ts";

/** How the bench's handlers record metrics (scenario 7): as the Lambda does, not at all, or through Powertools. */
export type MetricsSink = "emf" | "none" | "powertools" | "powertools-lazy";

// Written through console.log, which the bench silences: the work stays, the terminal stays quiet.
const sinks: Record<MetricsSink, () => Metrics> = {
  emf: () => emfMetrics("Evergate", (line) => console.log(line)),
  none: () => noMetrics,
  powertools: () => powertoolsMetrics("Evergate", powertools),
  "powertools-lazy": () => lazyPowertoolsMetrics("Evergate", async () => powertools),
};

/** The bundle's own copy of the SDK, as the app configures it: floor (b) of the redirect bench. */
export { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
export { createDynamoClient } from "#src/storage/dynamo-client.ts";

/**
 * The bench's twin of src/lambda/main.ts, built with the same buildLambda options: the same handler
 * and deps, except that the SDK clients' HTTP layer is handed in, so DynamoDB and S3 can be
 * answered (and counted) in-process.
 */
export function createHandler(
  requestHandler: NonNullable<Parameters<typeof awsDeps>[1]>["requestHandler"],
  sink: MetricsSink = "emf",
) {
  return createLambdaHandler(awsDeps(loadConfig(), { requestHandler, metrics: sinks[sink]() }));
}
