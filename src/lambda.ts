import { loadConfig } from "./config.ts";
import { createDeps } from "./deps.ts";
import { createLambdaHandler } from "./lambda-handler.ts";

/** The AWS Lambda entry: the same app, wired to real AWS by configuration alone. */
export const handler = createLambdaHandler(createDeps(loadConfig()));
