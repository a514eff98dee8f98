import { z } from "@hono/zod-openapi";
import { errorCodes } from "#src/domain/errors.ts";

/** Shared pieces of the contract: the problem body, error responses, paging. */
export const ProblemSchema = z
  .object({
    type: z
      .string()
      .openapi({ example: "/api/problems#not-found", description: "Where this problem type is explained." }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(errorCodes),
    requestId: z.string(),
    errors: z.array(z.unknown()).optional(),
  })
  .openapi("Problem");

const problemDescriptions = {
  400: "The request is malformed or fails validation.",
  401: "Missing, invalid or expired access token or API key.",
  403: "The API key lacks the scope this operation needs.",
  404: "Not found, or not visible to the caller.",
  409: "The resource changed or is in a state that forbids this.",
  410: "The link was revoked, has expired or has no downloads left.",
  413: "The request body is too large.",
  415: "The request body is not JSON.",
  422: "The uploaded file does not match what was declared, an Idempotency-Key was reused for another request, or a bulk call holds too many items.",
  429: "Too many requests from this client; retry after the Retry-After delay (RateLimit headers tell the policy).",
  503: "A dependency is unavailable; retry after the Retry-After delay.",
  500: "Unexpected error.",
} as const;

export type ProblemStatus = keyof typeof problemDescriptions;

/** The problems an operation can answer; every operation can answer 429, 500 and 503. */
export function problemResponses<const S extends ProblemStatus>(...statuses: S[]) {
  const all = [...new Set([...statuses, 429, 500, 503] as ProblemStatus[])];
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: problemDescriptions[status],
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    ]),
  ) as Record<
    S | 429 | 500 | 503,
    { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } }
  >;
}

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .openapi({ description: "Opaque cursor from the previous page's nextCursor." }),
});

export const pageOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() });

export const jsonBody = <T extends z.ZodTypeAny>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const jsonContent = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

type SecurityRequirement = Record<string, string[]>;
export const userSecurity: SecurityRequirement[] = [{ userToken: [] }];
export const anyCallerSecurity: SecurityRequirement[] = [{ userToken: [] }, { apiKey: [] }];
export const optionalCallerSecurity: SecurityRequirement[] = [{}, { userToken: [] }, { apiKey: [] }];
