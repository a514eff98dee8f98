import { handle } from "hono/aws-lambda";
import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createDeps } from "./deps.ts";
import { sweepGarbage } from "./services/products.ts";

/** The AWS Lambda entry: the same app, wired to real AWS by configuration alone. */
const deps = createDeps(loadConfig());
const http = handle(createApp(deps));

type ScheduledSweep = { evergate: "sweep" };
const isScheduledSweep = (event: unknown): event is ScheduledSweep =>
  typeof event === "object" && event !== null && (event as ScheduledSweep).evergate === "sweep";

/** Function URL events go to Hono; the EventBridge schedule's `{ evergate: "sweep" }` runs the sweeper. */
export const handler = async (event: Parameters<typeof http>[0], context: Parameters<typeof http>[1]) => {
  if (isScheduledSweep(event)) return { deleted: await sweepGarbage(deps, 500) };
  return http(event, context);
};
