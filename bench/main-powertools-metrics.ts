import * as powertools from "@aws-lambda-powertools/metrics";
import { awsDeps } from "#src/aws-deps.ts";
import { loadConfig } from "#src/config.ts";
import { createLambdaHandler } from "#src/lambda/handler.ts";
import { powertoolsMetrics } from "./powertools-metrics.ts";

/** src/lambda/main.ts with Powertools Metrics imported with it: built by the bench to weigh it (scenario 7). */
const config = loadConfig();
export const handler = createLambdaHandler(
  awsDeps(config, { metrics: powertoolsMetrics(config.METRICS_NAMESPACE, powertools) }),
);
