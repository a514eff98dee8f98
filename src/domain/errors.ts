/**
 * The closed set of error codes Evergate answers with. The HTTP layer maps each code to a status
 * (src/http/problem.ts), so a new code without a status does not compile.
 */
export const errorCodes = [
  "invalid_request",
  "malformed_json",
  "unauthorized",
  "insufficient_scope",
  "not_found",
  "conflict",
  "confirmation_required",
  "link_limit_reached",
  "link_gone",
  "passphrase_required",
  "passphrase_incorrect",
  "passphrase_locked",
  "link_network_refused",
  "link_device_limit",
  "policy_violation",
  "payload_too_large",
  "unsupported_media_type",
  "upload_invalid",
  "idempotency_key_reused",
  "idempotency_in_progress",
  "external_id_taken",
  "too_many_items",
  "rate_limited",
  "service_unavailable",
  "storage_refused",
  "internal_error",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** A failure the caller can act on; everything else is an unexpected error. */
export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { headers?: Record<string, string>; errors?: unknown[] } = {},
  ) {
    super(message);
  }

  toJSON() {
    return { name: this.name, code: this.code, message: this.message };
  }
}

export const notFound = (what = "Resource") => new AppError("not_found", `${what} not found.`);

/** A dependency (DynamoDB, S3, the identity provider) could not be reached in time. */
export class DependencyUnavailableError extends Error {
  override name = "DependencyUnavailableError";
  constructor(
    readonly dependency: "dynamodb" | "s3" | "identity" | "sqs" | "secretsmanager",
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable`, options);
  }

  toJSON() {
    return { name: this.name, dependency: this.dependency, message: this.message };
  }
}
