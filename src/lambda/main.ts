import { awsDeps } from "../aws-deps.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { createLambdaHandler } from "./handler.ts";

const config = loadConfig();
// Instances must agree on who is "the same client" (docs/decisions/012-fair-counting.md).
if (!config.CLIENT_KEY_SECRET)
  throw new ConfigError("Invalid configuration:\n  CLIENT_KEY_SECRET: is required in Lambda");

/** The AWS Lambda entry: the same app, wired to real AWS by configuration alone. */
export const handler = createLambdaHandler(awsDeps(config));
