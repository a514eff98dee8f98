import type { MiddlewareHandler } from "hono";
import { AppError } from "#src/domain/errors.ts";
import {
  type IdempotencyRecord,
  isReplayable,
  parseIdempotencyKey,
  REPLAYED_HEADER,
  replayedHeaders,
  requestFingerprint,
  type StoredAnswer,
} from "#src/domain/idempotency.ts";
import type { Caller } from "#src/domain/scopes.ts";
import type { AppEnv } from "./context.ts";

export const IDEMPOTENCY_HEADER = "idempotency-key";
/** A request that died holding a key frees it after this (longer than any request may run). */
const LOCK_MS = 60_000;
/** Answers larger than this are not kept (a DynamoDB item holds 400 KB); the key is released. */
const MAX_STORED_BODY = 300_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One caller's keys never meet another's: a person's login and each of their API keys apart. */
const scopeOf = (caller: Caller) =>
  caller.via === "apiKey" && caller.apiKeyId ? `key:${caller.apiKeyId}` : `user:${caller.userId}`;

const replay = (answer: StoredAnswer) =>
  new Response(answer.body, {
    status: answer.status,
    headers: { ...answer.headers, [REPLAYED_HEADER]: "true" },
  });

/**
 * `Idempotency-Key` on every POST under /api/ (docs/decisions/027-api-conventions.md): the first
 * request with a key takes it (one conditional write) and its answer is stored; a retry with the
 * same key and the same request gets that answer again with `Idempotent-Replayed: true`; the same
 * key with another request is a 422; a retry that arrives while the first runs waits for its
 * answer (up to IDEMPOTENCY_WAIT_MS, then a 409). Server errors are not kept: the next try runs.
 * Without a key, or without a caller, the request runs as it is.
 */
export const idempotency: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header(IDEMPOTENCY_HEADER);
  const caller = c.get("caller");
  if (c.req.method !== "POST" || header === undefined || !caller) return next();
  const key = parseIdempotencyKey(header);
  if (!key) {
    throw new AppError("invalid_request", "Idempotency-Key must be 1 to 255 printable ASCII characters.", {
      errors: [{ path: "Idempotency-Key", message: "must be 1 to 255 printable ASCII characters" }],
    });
  }
  const deps = c.get("deps");
  const scope = scopeOf(caller);
  const url = new URL(c.req.url);
  const fingerprint = requestFingerprint(
    c.req.method,
    url.pathname + url.search,
    new Uint8Array(await c.req.arrayBuffer()),
  );
  const lockedBy = c.get("requestId");
  const waitUntil = Date.now() + deps.config.IDEMPOTENCY_WAIT_MS;
  for (let pause = 100; ; pause = Math.min(pause * 2, 1_000)) {
    const now = deps.clock();
    const record: IdempotencyRecord & { lockedBy: string } = {
      scope,
      key,
      fingerprint,
      lockedBy,
      lockedUntil: new Date(now.getTime() + LOCK_MS).toISOString(),
      expiresAt: new Date(now.getTime() + deps.config.IDEMPOTENCY_TTL_HOURS * 3_600_000).toISOString(),
    };
    const claim = await deps.stores.idempotency.claim(record, now);
    if (claim.claimed) break;
    if (claim.record.fingerprint !== fingerprint) {
      throw new AppError(
        "idempotency_key_reused",
        "This Idempotency-Key was used for a different request (another path or body).",
      );
    }
    if (claim.record.answer) return replay(claim.record.answer);
    if (Date.now() + pause > waitUntil) {
      throw new AppError("idempotency_in_progress", "A request with this Idempotency-Key is still running.", {
        headers: { "Retry-After": "1" },
      });
    }
    await sleep(pause);
  }

  let kept = false;
  try {
    await next();
    const response = c.res;
    if (isReplayable(response.status)) {
      const body = await response.clone().text();
      if (body.length <= MAX_STORED_BODY) {
        const headers: Record<string, string> = {};
        for (const name of replayedHeaders) {
          const value = response.headers.get(name);
          if (value !== null) headers[name] = value;
        }
        kept = await deps.stores.idempotency.complete(scope, key, lockedBy, {
          status: response.status,
          headers,
          body,
        });
      } else {
        deps.logger.warn("idempotent answer too large to keep", { bytes: body.length });
      }
    }
  } finally {
    if (!kept) await deps.stores.idempotency.release(scope, key, lockedBy);
  }
};
