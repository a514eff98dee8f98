import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorCode } from "#src/domain/errors.ts";
import { type Answer, lowerCaseHeaders, toResponse } from "./answer.ts";
import { problemTypes, problemTypeUri } from "./problem-types.ts";

export const statusByCode: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  malformed_json: 400,
  unauthorized: 401,
  insufficient_scope: 403,
  not_found: 404,
  conflict: 409,
  confirmation_required: 409,
  link_limit_reached: 409,
  link_gone: 410,
  passphrase_required: 403,
  passphrase_incorrect: 403,
  passphrase_locked: 429,
  link_network_refused: 403,
  link_device_limit: 403,
  policy_violation: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upload_invalid: 422,
  idempotency_key_reused: 422,
  idempotency_in_progress: 409,
  external_id_taken: 409,
  too_many_items: 422,
  rate_limited: 429,
  service_unavailable: 503,
  storage_refused: 500,
  internal_error: 500,
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: unknown[];
}

export function problemFor(code: ErrorCode, detail: string, requestId: string, errors?: unknown[]): Problem {
  return {
    type: problemTypeUri(code),
    title: problemTypes[code].title,
    status: statusByCode[code],
    detail,
    code,
    requestId,
    ...(errors ? { errors } : {}),
  };
}

export function problemAnswer(problem: Problem, headers: Record<string, string> = {}): Answer {
  return {
    status: problem.status,
    // Lower-cased, so a caller's "Cache-Control" replaces the default instead of joining it.
    headers: {
      "content-type": "application/problem+json",
      "cache-control": "no-store",
      ...lowerCaseHeaders(headers),
    },
    body: JSON.stringify(problem),
  };
}

export const problemResponse = (problem: Problem, headers: Record<string, string> = {}): Response =>
  toResponse(problemAnswer(problem, headers));
