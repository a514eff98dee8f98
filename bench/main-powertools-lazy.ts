import { awsDeps } from "#src/aws-deps.ts";
import { loadConfig } from "#src/config.ts";
import { createLambdaHandler } from "#src/lambda/handler.ts";
import { lazyPowertoolsMetrics } from "./powertools-metrics.ts";

/** src/lambda/main.ts with Powertools Metrics imported on the first flush: built by the bench to weigh it (scenario 7). */
const config = loadConfig();
export const handler = createLambdaHandler(
  awsDeps(config, {
    metrics: lazyPowertoolsMetrics(config.METRICS_NAMESPACE, () => import("@aws-lambda-powertools/metrics")),
  }),
);
