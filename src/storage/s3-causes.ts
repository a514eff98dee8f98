import { type StorageCause, StorageRefusedError } from "#src/domain/storage-causes.ts";

/** S3's error codes whose cause Evergate can name (docs/troubleshooting.md). */
const causeByCode: Record<string, StorageCause> = {
  ExpiredToken: "credentials_expired",
  TokenRefreshRequired: "credentials_expired",
  RequestTimeTooSkewed: "clock_skew",
  InvalidSignatureException: "clock_skew",
  PermanentRedirect: "wrong_region",
  AuthorizationHeaderMalformed: "wrong_region",
  IllegalLocationConstraintException: "wrong_region",
  AccessDenied: "access_denied",
  NoSuchKey: "object_missing",
};

/** A HEAD's answer has no body: the SDK names the error "Unknown" and only its status tells. */
const causeByHeadStatus: Record<number, StorageCause> = { 301: "wrong_region", 403: "access_denied" };

/**
 * The cause of an S3 SDK error, when Evergate can name it: by S3's code, or for a bodiless HEAD
 * answer by its status (and a 400's `x-amz-bucket-region`). A 404 of a HEAD is no error (the
 * callers ask whether a key exists).
 */
export function s3CauseOf(error: unknown): { cause: StorageCause; code: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const cause = causeByCode[error.name];
  if (cause) return { cause, code: error.name };
  if (error.name !== "Unknown") return undefined;
  const { $metadata, $response } = error as {
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string | undefined> };
  };
  const status = $metadata?.httpStatusCode;
  // S3's 400 to a HEAD signed for another region than the bucket's names the bucket's region
  if (status === 400 && $response?.headers?.["x-amz-bucket-region"])
    return { cause: "wrong_region", code: "HTTP 400" };
  const byStatus = status === undefined ? undefined : causeByHeadStatus[status];
  return byStatus ? { cause: byStatus, code: `HTTP ${status}` } : undefined;
}

/** The error with its cause named (StorageRefusedError), or as it was. */
export function namedS3Error(error: unknown): unknown {
  const named = s3CauseOf(error);
  return named ? new StorageRefusedError(named.cause, named.code, { cause: error }) : error;
}
