import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, DependencyUnavailableError } from "#src/domain/errors.ts";
import { errorFields } from "#src/logger.ts";
import type { AppEnv } from "./context.ts";
import { problemFor, problemResponse } from "./problem.ts";

const RETRY_AFTER_SECONDS = "5";

/** The one place errors become responses: known ones as problem+json, unknown ones as a bare 500. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  const requestId = c.get("requestId") ?? "unknown";
  if (error instanceof AppError) {
    return problemResponse(
      problemFor(error.code, error.message, requestId, error.extra.errors),
      error.extra.headers,
    );
  }
  if (error instanceof DependencyUnavailableError) {
    c.get("deps")?.logger.warn("dependency unavailable", {
      requestId,
      ...errorFields(error),
      dependency: error.dependency,
    });
    return problemResponse(
      problemFor(
        "service_unavailable",
        `A dependency (${error.dependency}) is unavailable. Retry shortly.`,
        requestId,
      ),
      { "Retry-After": RETRY_AFTER_SECONDS },
    );
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 413)
      return problemResponse(problemFor("payload_too_large", "The request body is too large.", requestId));
    if (status === 400) {
      const malformed = /json/i.test(error.message);
      return problemResponse(
        problemFor(
          malformed ? "malformed_json" : "invalid_request",
          malformed ? "The body is not valid JSON." : error.message,
          requestId,
        ),
      );
    }
    if (status === 401)
      return problemResponse(problemFor("unauthorized", "Authentication required.", requestId));
    // @hono/zod-openapi's media-type gate: a non-JSON content type on an empty body gets past requireJsonBody
    if (status === 415)
      return problemResponse(
        problemFor("unsupported_media_type", "Send the request body as application/json.", requestId),
      );
  }
  c.get("deps")?.logger.error("unhandled error", { requestId, ...errorFields(error) });
  return problemResponse(problemFor("internal_error", "Something went wrong on our side.", requestId));
}

/** Unknown routes are problems too, the same shape as every other error. */
export function handleNotFound(c: Context<AppEnv>): Response {
  return problemResponse(
    problemFor("not_found", `No route for ${c.req.method} ${c.req.path}.`, c.get("requestId") ?? "unknown"),
  );
}
