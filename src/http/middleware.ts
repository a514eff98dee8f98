import type { MiddlewareHandler } from "hono";
import type { AppDeps } from "#src/deps.ts";
import { AppError } from "#src/domain/errors.ts";
import type { AppEnv } from "./context.ts";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Per request: the deps, a request id (a sane incoming x-request-id, e.g. from CloudFront, or a
 * new one), the common response headers and one access-log line. Headers are set on the final
 * Response directly: Hono's c.header() after a handler copies the whole Response each time, and
 * this runs on every redirect.
 */
export function requestContext(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    c.set("deps", deps);
    const incoming = c.req.header("x-request-id");
    const id = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    const headers = c.res.headers;
    headers.set("x-request-id", id);
    headers.set("X-Content-Type-Options", "nosniff");
    if (!headers.has("Referrer-Policy")) headers.set("Referrer-Policy", "no-referrer");
    const path = c.req.path;
    if (path.startsWith("/api/") && !headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
    deps.logger.info("request", {
      requestId: id,
      method: c.req.method,
      // /l/{token} paths carry secrets, so they are logged by their prefix only.
      path: path.startsWith("/l/") ? "/l/…" : path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
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
