import { EvergateConnectionError, retryAfterSeconds } from "./errors.ts";

export interface RetryOptions {
  /** Attempts after the first (default 3). 0 turns retries off. */
  maxRetries?: number;
  /** The longest wait between attempts; a Retry-After above it ends the retries (default 30 s). */
  maxDelayMs?: number;
}

export interface TransportOptions {
  /** `evk_…` (an API key) or a user's access token; sent as `Authorization: Bearer …`. */
  apiKey?: string;
  retry?: RetryOptions;
  /** An Idempotency-Key on every POST that has none (default true). */
  idempotencyKeys?: boolean;
  /** Per attempt (default 30 s). */
  timeoutMs?: number;
  userAgent?: string;
  fetch?: (request: Request) => Promise<Response>;
  /** For tests: how the transport waits between attempts. */
  sleep?: (ms: number) => Promise<void>;
}

export const defaultRetry = { maxRetries: 3, maxDelayMs: 30_000 } as const;

const idempotentMethods = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
/** Answers that say "not now": nothing was done, the same request may be sent again later. */
const retryableStatuses = new Set([429, 503]);

/**
 * Also "not now": a 409 `idempotency_in_progress` means the first request with this key still runs
 * (this call timed out and retried); its answer will be replayed to the next try.
 */
async function isRetryable(response: Response): Promise<boolean> {
  if (retryableStatuses.has(response.status)) return true;
  if (response.status !== 409 || !response.headers.get("content-type")?.includes("json")) return false;
  const problem: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  return (problem as { code?: unknown } | undefined)?.code === "idempotency_in_progress";
}

/**
 * The fetch under the typed client: auth, an Idempotency-Key on each POST (one per call, reused by
 * that call's retries), the body's SHA-256 (CloudFront's origin access control signs the request to
 * the Lambda function URL with it), and bounded retries that wait what Retry-After says.
 */
export function evergateFetch(options: TransportOptions): (request: Request) => Promise<Response> {
  const maxRetries = options.retry?.maxRetries ?? defaultRetry.maxRetries;
  const maxDelayMs = options.retry?.maxDelayMs ?? defaultRetry.maxDelayMs;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const send = options.fetch ?? ((request: Request) => fetch(request));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  return async (original) => {
    const headers = new Headers(original.headers);
    if (options.apiKey && !headers.has("authorization"))
      headers.set("authorization", `Bearer ${options.apiKey}`);
    if (options.userAgent) headers.set("user-agent", options.userAgent);
    if (original.method === "POST" && options.idempotencyKeys !== false && !headers.has("idempotency-key"))
      headers.set("idempotency-key", crypto.randomUUID());
    const body =
      original.method === "GET" || original.method === "HEAD" ? undefined : await original.arrayBuffer();
    if (body !== undefined && !headers.has("x-amz-content-sha256"))
      headers.set("x-amz-content-sha256", await sha256Hex(body));
    const safeToResend = idempotentMethods.has(original.method) || headers.has("idempotency-key");

    for (let attempt = 0; ; attempt++) {
      const signal = AbortSignal.any([original.signal, AbortSignal.timeout(timeoutMs)]);
      let response: Response;
      try {
        response = await send(new Request(original.url, { method: original.method, headers, body, signal }));
      } catch (error) {
        if (original.signal.aborted) throw error;
        if (!safeToResend || attempt >= maxRetries)
          throw new EvergateConnectionError(original.url, { cause: error });
        await sleep(backoffMs(attempt, maxDelayMs));
        continue;
      }
      if (attempt >= maxRetries || !(await isRetryable(response))) return response;
      const asked = retryAfterSeconds(response.headers.get("retry-after"));
      const wait = asked === undefined ? backoffMs(attempt, maxDelayMs) : asked * 1000;
      if (wait > maxDelayMs) return response;
      await response.body?.cancel();
      await sleep(wait);
    }
  };
}

/** Without a Retry-After: 0.5 s, 1 s, 2 s, … with up to a quarter more at random, never above the cap. */
function backoffMs(attempt: number, maxDelayMs: number): number {
  const base = 500 * 2 ** attempt;
  return Math.min(maxDelayMs, base + Math.random() * base * 0.25);
}

async function sha256Hex(body: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
