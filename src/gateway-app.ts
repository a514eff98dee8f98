import { Hono } from "hono";
import type { AppDeps } from "./deps.ts";
import type { AppEnv } from "./http/context.ts";
import { handleError, handleNotFound } from "./http/errors.ts";
import { requestContext } from "./http/middleware.ts";
import { redirectRoutes } from "./routes/redirect.ts";

/**
 * Only /l/{token}, with the same middleware and error handling as the whole app (which mounts the
 * same routes). The Lambda serves redirects from it, so a cold start for a download reads neither
 * the API's routes nor zod; see src/lambda-handler.ts.
 */
export function createGatewayApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use("*", requestContext(deps));
  app.route("/", redirectRoutes);
  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}
