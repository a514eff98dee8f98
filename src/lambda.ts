import { handle } from "hono/aws-lambda";
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createDeps } from "./deps.ts";

/** The AWS Lambda function URL entry: the same app, wired to real AWS by configuration alone. */
export const handler = handle(createApp(createDeps(loadConfig())));
