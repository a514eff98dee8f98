import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppDeps } from "#src/app-deps.ts";
import { AppError } from "#src/domain/errors.ts";
import type { Logger } from "#src/logger.ts";
import { elapsedMs } from "#src/metrics/metrics.ts";
import { recordRequest, routeLabel } from "#src/metrics/request-metrics.ts";
import type { AppEnv } from "./context.ts";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A sane incoming x-request-id (e.g. from CloudFront) is kept; anything else gets a new one. */
export const requestIdOf = (incoming: string | undefined): string =>
  incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();

/** Headers every response carries, and the default Referrer-Policy when the route set none. */
export const commonHeaders = (requestId: string) => ({
  "x-request-id": requestId,
  "x-content-type-options": "nosniff",
});
export const DEFAULT_REFERRER_POLICY = "no-referrer";

/** One access-log line per request. /l/{token} paths carry secrets: logged by their prefix only. */
export function logAccess(
  logger: Logger,
  request: { requestId: string; method: string; path: string; status: number; startedAt: number },
): void {
  logger.info("request", {
    requestId: request.requestId,
    method: request.method,
    path: request.path.startsWith("/l/") ? "/l/…" : request.path,
    status: request.status,
    ms: elapsedMs(request.startedAt),
  });
}

/**
 * Per request: the deps, a request id, the common response headers and one access-log line.
 * Headers are set on the final Response directly: Hono's c.header() after a handler copies the
 * whole Response each time.
 */
export function requestContext(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const startedAt = performance.now();
    c.set("deps", deps);
    const requestId = requestIdOf(c.req.header("x-request-id"));
    c.set("requestId", requestId);
    await next();
    const headers = c.res.headers;
    for (const [name, value] of Object.entries(commonHeaders(requestId))) headers.set(name, value);
    if (!headers.has("referrer-policy")) headers.set("referrer-policy", DEFAULT_REFERRER_POLICY);
    const path = c.req.path;
    if (path.startsWith("/api/") && !headers.has("cache-control")) headers.set("cache-control", "no-store");
    logAccess(deps.logger, { requestId, method: c.req.method, path, status: c.res.status, startedAt });
    recordRequest(deps.metrics, {
      route: routeLabel(routePath(c, -1)),
      status: c.res.status,
      ms: elapsedMs(startedAt),
    });
  };
}

/** JSON bodies only: anything else on a write to the API is a 415, not a confusing 400. */
export const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const method = c.req.method;
  if (method === "POST" || method === "PATCH" || method === "PUT") {
    const length = c.req.header("content-length");
    const hasBody =
      (length !== undefined && length !== "0") || c.req.header("transfer-encoding") !== undefined;
    const type = c.req.header("content-type") ?? "";
    if (hasBody && !/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type)) {
      throw new AppError("unsupported_media_type", "Send the request body as application/json.");
    }
  }
  return next();
};
