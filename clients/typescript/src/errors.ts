import type { components } from "./schema.js";

/** The codes this version of openapi.yaml knows; a newer server may answer others. */
export type ProblemCode = components["schemas"]["Problem"]["code"];

/** An application/problem+json body, as far as it came. */
export type Problem = Partial<components["schemas"]["Problem"]>;

/**
 * A failed API call: the problem+json answer's `code`, `status` and `detail`, for programs to branch
 * on (`code`) and people to read (`detail`, `requestId` for support).
 */
export class EvergateError extends Error {
  override name = "EvergateError";
  readonly status: number;
  readonly code: ProblemCode | (string & {});
  readonly detail: string;
  readonly type: string | undefined;
  readonly requestId: string | undefined;
  /** Field-level validation errors (400 `invalid_request`), when the server sent them. */
  readonly errors: unknown[] | undefined;
  /** Seconds the server asked to wait (429/503 that were still failing after the retries). */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, problem: Problem, retryAfterSeconds?: number) {
    const detail = problem.detail || problem.title || `HTTP ${status}`;
    super(detail);
    this.status = status;
    this.code = problem.code ?? codeForStatus(status);
    this.detail = detail;
    this.type = problem.type;
    this.requestId = problem.requestId;
    this.errors = problem.errors;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  toJSON() {
    return {
      name: this.name,
      status: this.status,
      code: this.code,
      detail: this.detail,
      requestId: this.requestId,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

/** The server could not be reached (refused, reset, DNS, timeout) even after the retries. */
export class EvergateConnectionError extends Error {
  override name = "EvergateConnectionError";
  readonly code = "unreachable";
  constructor(
    readonly url: string,
    options: { cause?: unknown },
  ) {
    super(`Could not reach ${new URL(url).origin}: ${describeCause(options.cause)}`, options);
  }

  toJSON() {
    return { name: this.name, code: this.code, detail: this.message };
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: { code?: string; message?: string } }).cause;
    return inner?.code ?? inner?.message ?? cause.message;
  }
  return String(cause);
}

/** A body that is not problem+json (a proxy's HTML page, an empty 502) still gets a code. */
function codeForStatus(status: number): string {
  if (status === 401) return "unauthorized";
  if (status === 403) return "insufficient_scope";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 429) return "rate_limited";
  if (status === 503 || status === 502 || status === 504) return "service_unavailable";
  if (status >= 500) return "internal_error";
  return "invalid_request";
}

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP-date), or undefined. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * The data of a successful openapi-fetch answer, or an EvergateError made from its problem+json.
 * `unwrap(await evergate.GET("/api/links/{id}", …))` is typed by the operation's 2xx schema.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  const { response, error } = result;
  if (response.ok) return result.data as T;
  throw new EvergateError(
    response.status,
    isProblem(error) ? error : { detail: typeof error === "string" && error ? error : undefined },
    retryAfterSeconds(response.headers.get("retry-after")),
  );
}
