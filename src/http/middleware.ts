import type { MiddlewareHandler } from "hono";
import { AppError } from "#src/domain/errors.ts";
import type { AppEnv } from "./context.ts";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Reuses a sane incoming x-request-id (e.g. from CloudFront or a caller), or makes one. */
export const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const incoming = c.req.header("x-request-id");
  const id = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  c.set("requestId", id);
  await next();
  c.header("x-request-id", id);
};

export const accessLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  c.get("deps").logger.info("request", {
    requestId: c.get("requestId"),
    method: c.req.method,
    // The path only: /l/{token} paths carry secrets, so they are cut to their prefix.
    path: c.req.path.startsWith("/l/") ? "/l/…" : c.req.path,
    status: c.res.status,
    ms: Math.round((performance.now() - started) * 10) / 10,
  });
};

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.header("X-Content-Type-Options", "nosniff");
  if (!c.res.headers.has("Referrer-Policy")) c.header("Referrer-Policy", "no-referrer");
  if (c.req.path.startsWith("/api/") && !c.res.headers.has("Cache-Control"))
    c.header("Cache-Control", "no-store");
};

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
