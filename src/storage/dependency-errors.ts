import { DependencyUnavailableError } from "#src/domain/errors.ts";
import { namedS3Error } from "./s3-causes.ts";

const unavailableNames = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalServerError",
  "InternalError",
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "SlowDown",
]);
const unavailableSystemCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** True for failures that mean "the dependency is down or overloaded", as opposed to a bad request. */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    unavailableNames.has(error.name) ||
    (code !== undefined && unavailableSystemCodes.has(code)) ||
    (status !== undefined && status >= 500) ||
    (error.cause !== undefined && isUnavailable(error.cause))
  );
}

/**
 * Runs an SDK call and turns "cannot reach it" into DependencyUnavailableError (answered as 503),
 * and an S3 refusal whose cause Evergate can name into StorageRefusedError (src/storage/s3-causes.ts).
 */
export async function callDependency<T>(
  dependency: DependencyUnavailableError["dependency"],
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) throw new DependencyUnavailableError(dependency, { cause: error });
    throw dependency === "s3" ? namedS3Error(error) : error;
  }
}
