import { expect, it } from "vitest";
import type { IdempotencyRecord } from "#src/domain/idempotency.ts";
import type { Stores } from "#src/storage/ports.ts";
import { at, concurrently, t0 } from "./fixtures.ts";

const DAY = 86_400;

function aClaim(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord & { lockedBy: string } {
  return {
    scope: "user:alice",
    key: "key-1",
    fingerprint: "fp-1",
    lockedBy: "request-1",
    lockedUntil: at(60),
    expiresAt: at(DAY),
    ...overrides,
  } as IdempotencyRecord & { lockedBy: string };
}
const answer = { status: 201, headers: { "content-type": "application/json" }, body: '{"id":"x"}' };

/** IdempotencyStore: one claim wins, answers are kept for the lock holder, scopes stay apart. */
export function idempotencyStoreContract(stores: () => Stores) {
  const store = () => stores().idempotency;

  it("50 concurrent claims of one key: exactly one wins, the others see its record", async () => {
    const results = await concurrently(50, (i) => store().claim(aClaim({ lockedBy: `request-${i}` }), t0));
    const winners = results.filter((result) => result.claimed);
    expect(winners).toHaveLength(1);
    const holders = new Set(results.flatMap((result) => (result.claimed ? [] : [result.record.lockedBy])));
    expect(holders.size).toBe(1);
  });

  it("complete keeps the answer for the lock holder only; later claims get it back", async () => {
    await store().claim(aClaim(), t0);
    expect(await store().complete("user:alice", "key-1", "request-2", answer)).toBe(false);
    expect(await store().complete("user:alice", "key-1", "request-1", answer)).toBe(true);
    const again = await store().claim(aClaim({ lockedBy: "request-3" }), new Date(at(10)));
    expect(again).toStrictEqual({
      claimed: false,
      record: {
        scope: "user:alice",
        key: "key-1",
        fingerprint: "fp-1",
        lockedUntil: at(60),
        expiresAt: at(DAY),
        answer,
      },
    });
  });

  it("scopes never share a key: another caller's same key is a claim of its own", async () => {
    expect((await store().claim(aClaim(), t0)).claimed).toBe(true);
    expect((await store().claim(aClaim({ scope: "key:bobs-key", lockedBy: "r2" }), t0)).claimed).toBe(true);
    expect(await store().complete("key:bobs-key", "key-1", "request-1", answer)).toBe(false);
  });

  it("release frees the key for the holder only; a released key is claimed anew", async () => {
    await store().claim(aClaim(), t0);
    await store().release("user:alice", "key-1", "someone-else");
    expect((await store().claim(aClaim({ lockedBy: "r2" }), t0)).claimed).toBe(false);
    await store().release("user:alice", "key-1", "request-1");
    expect((await store().claim(aClaim({ lockedBy: "r2", fingerprint: "fp-2" }), t0)).claimed).toBe(true);
  });

  it("a stale lock is taken over by the same request only; an expired record by any", async () => {
    await store().claim(aClaim(), t0);
    const later = new Date(at(61));
    expect((await store().claim(aClaim({ lockedBy: "r2", fingerprint: "fp-other" }), later)).claimed).toBe(
      false,
    );
    expect((await store().claim(aClaim({ lockedBy: "r2" }), later)).claimed).toBe(true);
    expect(await store().complete("user:alice", "key-1", "request-1", answer)).toBe(false);
    expect(await store().complete("user:alice", "key-1", "r2", answer)).toBe(true);
    // Completed: no takeover however late, until the record expires.
    expect((await store().claim(aClaim({ lockedBy: "r3" }), new Date(at(DAY - 1)))).claimed).toBe(false);
    expect(
      (await store().claim(aClaim({ lockedBy: "r3", fingerprint: "fp-new" }), new Date(at(DAY)))).claimed,
    ).toBe(true);
  });
}
