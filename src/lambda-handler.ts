import { handle } from "hono/aws-lambda";
import type { AppDeps } from "./deps.ts";
import { createGatewayApp } from "./gateway-app.ts";

type HttpHandler = ReturnType<typeof handle>;
type LambdaEvent = Parameters<HttpHandler>[0];
type ScheduledSweep = { evergate: "sweep" };

const isScheduledSweep = (event: unknown): event is ScheduledSweep =>
  typeof event === "object" && event !== null && (event as ScheduledSweep).evergate === "sweep";

const GATEWAY_PATH = /^\/l\/[^/]+$/;
const pathOf = (event: LambdaEvent) => ("rawPath" in event ? event.rawPath : event.path);

/**
 * One function for the whole surface, loaded by what a request needs: /l/{token} is served by the
 * gateway app, imported at cold start; the API (its routes, zod, the JWT verifier) and the
 * sweeper are imported on first use. The full app mounts the same redirect routes, so a path
 * that reaches either answers the same.
 */
export function createLambdaHandler(deps: AppDeps) {
  const gateway = handle(createGatewayApp(deps));
  let api: Promise<HttpHandler> | undefined;
  const loadApi = () => {
    if (!api) {
      api = import("./app.ts").then(({ createApp }) => handle(createApp(deps)));
      // A failed import is retried by the next request, not remembered.
      api.catch(() => {
        api = undefined;
      });
    }
    return api;
  };

  return async (event: LambdaEvent | ScheduledSweep, context: Parameters<HttpHandler>[1]) => {
    if (isScheduledSweep(event)) {
      const { sweepGarbage } = await import("./services/products.ts");
      return { deleted: await sweepGarbage(deps, 500) };
    }
    if (GATEWAY_PATH.test(pathOf(event))) return gateway(event, context);
    return (await loadApi())(event, context);
  };
}
