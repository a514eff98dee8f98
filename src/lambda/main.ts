import { awsDeps } from "../aws-deps.ts";
import { loadConfig } from "../config.ts";
import { createLambdaHandler } from "./handler.ts";

/** The AWS Lambda entry: the same app, wired to real AWS by configuration alone. */
export const handler = createLambdaHandler(awsDeps(loadConfig()));
