import type { components, paths } from "@evergate/client/schema";
import createClient from "openapi-fetch";
import { getAccessToken, refreshAccessToken } from "../lib/auth.ts";

type Schemas = components["schemas"];
export type Product = Schemas["Product"];
export type ProductDetail = Schemas["ProductDetail"];
export type Order = Schemas["Order"];
export type Link = Schemas["Link"];
export type CreatedLink = Schemas["CreatedLink"];
export type ApiKey = Schemas["ApiKey"];
export type Price = Schemas["Price"];
export type UploadTicket = Schemas["UploadTicket"];
export type Problem = Schemas["Problem"];
export type Scope = Schemas["CreateApiKey"]["scopes"][number];
export type DownloadStats = Schemas["DownloadStats"];
export type AccessEvent = Schemas["AccessEvent"];
export type Webhook = Schemas["Webhook"];
export type WebhookDelivery = Schemas["WebhookDelivery"];
export type WebhookEventType = Schemas["WebhookEventType"];

export interface FieldProblem {
  path?: string;
  message?: string;
  rule?: string;
}

/** An API failure with a sentence a person can read; `code` and `status` for the program. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly requestId?: string,
    /** The problem's `errors`: which field (`path`) and, for a policy, which `rule`. */
    readonly errors: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * In AWS, CloudFront signs requests to the Lambda function URL (origin access control) and needs
 * the body's SHA-256 from the viewer for that: every request with a body carries it.
 */
async function withContentHash(request: Request): Promise<Request> {
  if (request.method === "GET" || request.method === "HEAD") return request;
  const body = request.body === null ? new ArrayBuffer(0) : await request.clone().arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
  const hashed = new Request(request, { body });
  hashed.headers.set("x-amz-content-sha256", hex);
  return hashed;
}

/**
 * Sends the caller's access token; on a 401 refreshes it once and retries. The request is cloned
 * before the first try because a sent body cannot be read again.
 */
async function authFetch(original: Request): Promise<Response> {
  const request = await withContentHash(original);
  const token = await getAccessToken();
  if (!token) return fetch(request);
  const retry = request.clone();
  request.headers.set("Authorization", `Bearer ${token}`);
  const response = await fetch(request);
  if (response.status !== 401) return response;
  const fresh = await refreshAccessToken(token);
  if (!fresh) return response;
  retry.headers.set("Authorization", `Bearer ${fresh}`);
  return fetch(retry);
}

export const api = createClient<paths>({
  fetch: (request) => authFetch(request),
  headers: { Accept: "application/json" },
});

function isProblem(value: unknown): value is Partial<Problem> {
  return typeof value === "object" && value !== null && ("detail" in value || "title" in value);
}

const fallbackMessages: Record<number, string> = {
  401: "You are not logged in, or your session has expired. Please log in again.",
  403: "You are not allowed to do that.",
  404: "Not found. It may have been deleted, or you may not have access to it.",
  409: "Someone else changed this in the meantime.",
  413: "That is too large.",
  503: "The service is busy or unavailable right now. Please try again in a moment.",
};

/** The data of a successful answer, or an ApiError carrying the problem's detail. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  const { response, error } = result;
  if (response.ok) return result.data as T;
  if (isProblem(error)) {
    const message =
      error.detail ||
      error.title ||
      fallbackMessages[response.status] ||
      `Request failed (HTTP ${response.status}).`;
    const errors = Array.isArray(error.errors) ? (error.errors as FieldProblem[]) : [];
    throw new ApiError(message, response.status, error.code, error.requestId, errors);
  }
  throw new ApiError(
    fallbackMessages[response.status] ?? `Request failed (HTTP ${response.status}).`,
    response.status,
  );
}

/** Worth trying again as is: the network, a busy or failing server. Not a 4xx: that answer would repeat. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ApiError) return error.status >= 500 || error.status === 429 || error.status === 408;
  return error instanceof TypeError;
}

/** The thing asked for is not there (deleted, never existed, or a malformed address). */
export function isNotFound(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.status === 404 || (error.status === 400 && error.code === "invalid_request"))
  );
}

/** A readable sentence for anything thrown: API problems, network failures, bugs. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "Could not reach the server. Check your connection and try again.";
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
