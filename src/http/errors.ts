import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, DependencyUnavailableError } from "#src/domain/errors.ts";
import { StorageRefusedError, storageCauses } from "#src/domain/storage-causes.ts";
import { errorFields, type Logger } from "#src/logger.ts";
import { type Answer, toResponse } from "./answer.ts";
import type { AppEnv } from "./context.ts";
import { problemAnswer, problemFor, problemResponse } from "./problem.ts";

const RETRY_AFTER_SECONDS = "5";

/** Hono's onError: see errorAnswer. */
export function handleError(error: Error, c: Context<AppEnv>): Response {
  return toResponse(errorAnswer(error, c.get("requestId") ?? "unknown", c.get("deps")?.logger));
}

/** The one place errors become answers: known ones as problem+json, unknown ones as a bare 500. */
export function errorAnswer(error: unknown, requestId: string, logger: Logger | undefined): Answer {
  if (error instanceof AppError) {
    return problemAnswer(
      problemFor(error.code, error.message, requestId, error.extra.errors),
      error.extra.headers,
    );
  }
  if (error instanceof DependencyUnavailableError) {
    logger?.warn("dependency unavailable", {
      requestId,
      ...errorFields(error),
      dependency: error.dependency,
    });
    return problemAnswer(
      problemFor(
        "service_unavailable",
        `A dependency (${error.dependency}) is unavailable. Retry shortly.`,
        requestId,
      ),
      { "Retry-After": RETRY_AFTER_SECONDS },
    );
  }
  if (error instanceof StorageRefusedError) {
    logger?.error("storage refused", {
      requestId,
      cause: error.storageCause,
      s3Code: error.s3Code,
      doc: storageCauses[error.storageCause].doc,
      ...errorFields(error.cause ?? error),
    });
    return problemAnswer(problemFor("storage_refused", error.detail, requestId));
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 413)
      return problemAnswer(problemFor("payload_too_large", "The request body is too large.", requestId));
    if (status === 400) {
      const malformed = /json/i.test(error.message);
      return problemAnswer(
        problemFor(
          malformed ? "malformed_json" : "invalid_request",
          malformed ? "The body is not valid JSON." : error.message,
          requestId,
        ),
      );
    }
    if (status === 401)
      return problemAnswer(problemFor("unauthorized", "Authentication required.", requestId));
    // @hono/zod-openapi's media-type gate: a non-JSON content type on an empty body gets past requireJsonBody
    if (status === 415)
      return problemAnswer(
        problemFor("unsupported_media_type", "Send the request body as application/json.", requestId),
      );
  }
  logger?.error("unhandled error", { requestId, ...errorFields(error) });
  return problemAnswer(problemFor("internal_error", "Something went wrong on our side.", requestId));
}

/** Unknown routes are problems too, the same shape as every other error. */
export function handleNotFound(c: Context<AppEnv>): Response {
  return problemResponse(
    problemFor("not_found", `No route for ${c.req.method} ${c.req.path}.`, c.get("requestId") ?? "unknown"),
  );
}
