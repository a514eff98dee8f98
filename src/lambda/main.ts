import { awsDeps } from "../aws-deps.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { emfMetrics } from "../metrics/emf.ts";
import { createLambdaHandler } from "./handler.ts";

const config = loadConfig();
// Instances must agree on who is "the same client" (docs/decisions/012-fair-counting.md).
if (!config.CLIENT_KEY_SECRET)
  throw new ConfigError("Invalid configuration:\n  CLIENT_KEY_SECRET: is required in Lambda");

const sdkClients: object[] = [];
/**
 * EMF lines straight to stdout, not through console.log: one JSON object a line whatever the
 * function's log format, as CloudWatch extracts metrics from (ADR 029).
 */
const metrics = emfMetrics(config.METRICS_NAMESPACE, (line) => process.stdout.write(`${line}\n`));

/** The AWS Lambda entry: the same app, wired to real AWS by configuration alone. */
export const handler = createLambdaHandler(
  awsDeps(config, { metrics, onSdkClient: (client) => sdkClients.push(client) }),
  { sdkClients },
);
