import type { IdempotencyRecord } from "#src/domain/idempotency.ts";
import { copyOf } from "./memory-lists.ts";
import type { IdempotencyStore } from "./ports.ts";

/** IdempotencyStore in memory: each call is atomic, as the DynamoDB store's conditional writes are. */
export function memoryIdempotencyStore(): IdempotencyStore {
  const records = new Map<string, IdempotencyRecord>();
  const idOf = (scope: string, key: string) => `${scope}\u0000${key}`;
  return {
    async claim(record, now) {
      const id = idOf(record.scope, record.key);
      const existing = records.get(id);
      const free =
        !existing ||
        Date.parse(existing.expiresAt) <= now.getTime() ||
        (existing.lockedBy !== undefined &&
          Date.parse(existing.lockedUntil) <= now.getTime() &&
          existing.fingerprint === record.fingerprint);
      if (!free) return { claimed: false, record: copyOf(existing) };
      records.set(id, copyOf(record));
      return { claimed: true };
    },
    async complete(scope, key, lockedBy, answer) {
      const existing = records.get(idOf(scope, key));
      if (!existing || existing.lockedBy !== lockedBy) return false;
      delete existing.lockedBy;
      existing.answer = copyOf(answer);
      return true;
    },
    async release(scope, key, lockedBy) {
      const id = idOf(scope, key);
      if (records.get(id)?.lockedBy === lockedBy) records.delete(id);
    },
  };
}
