import { handle } from "hono/aws-lambda";
import { createApp } from "../app.ts";
import type { AppDeps } from "../app-deps.ts";

/** The whole app behind hono/aws-lambda; src/lambda/handler.ts imports this on first use. */
export const createApiHandler = (deps: AppDeps) => handle(createApp(deps));
