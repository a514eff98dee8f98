import { expect, it } from "vitest";
import type { HitFlush, Stores } from "#src/storage/ports.ts";
import { aLink, at, concurrently } from "./fixtures.ts";

const aFlush = (overrides: Partial<HitFlush> = {}): HitFlush => ({
  instance: "instance-a",
  sequence: 1_000,
  count: 7,
  lastHit: { at: at(3), clientId: "client-z", userAgent: "curl/8.5.0", outcome: "granted", count: 7 },
  ...overrides,
});

/** LinkStore.flushHits (ADR 024): a hot link's batched downloads, applied once per flush number. */
export function linkStoreFlushContract(stores: () => Stores) {
  const links = () => stores().links;

  it("flushHits adds the batch, stamps the last hit with its count, and keeps the flush number", async () => {
    const link = aLink({ downloadCount: 5 });
    await links().put(link, 1000);
    const result = await links().flushHits(link.id, aFlush());
    expect(result).toMatchObject({ outcome: "applied", flushes: { "instance-a": 1_000 } });
    const stored = await links().get(link.id);
    expect(stored).toMatchObject({
      downloadCount: 12,
      lastDownloadAt: at(3),
      lastHit: { at: at(3), clientId: "client-z", userAgent: "curl/8.5.0", outcome: "granted", count: 7 },
    });
    expect(stored && "hf" in stored).toBe(false);
  });

  it("a retried flush (same instance and number) counts once; a later number counts again", async () => {
    const link = aLink();
    await links().put(link, 1000);
    expect((await links().flushHits(link.id, aFlush())).outcome).toBe("applied");
    expect((await links().flushHits(link.id, aFlush())).outcome).toBe("duplicate");
    expect((await links().flushHits(link.id, aFlush({ sequence: 999 }))).outcome).toBe("duplicate");
    expect((await links().flushHits(link.id, aFlush({ sequence: 1_001, count: 2 }))).outcome).toBe("applied");
    expect((await links().get(link.id))?.downloadCount).toBe(9);
  });

  it("20 instances flushing at once, each twice (a lost answer retried), count each batch once", async () => {
    const link = aLink();
    await links().put(link, 1000);
    const flushOf = (i: number) => aFlush({ instance: `instance-${i}`, sequence: 2_000 + i, count: i + 1 });
    const outcomes = await concurrently(40, (i) => links().flushHits(link.id, flushOf(i % 20)));
    expect(outcomes.filter((result) => result.outcome === "applied")).toHaveLength(20);
    expect((await links().get(link.id))?.downloadCount).toBe((20 * 21) / 2);
  });

  it("counts on a revoked link (the hits were served before), forgets old instances, and is gone without a link", async () => {
    const link = aLink();
    await links().put(link, 1000);
    await links().flushHits(link.id, aFlush({ instance: "old-instance", sequence: 1 }));
    await links().revoke(link.id, "owner", new Date(at(4)));
    const result = await links().flushHits(link.id, aFlush({ forget: ["old-instance", "instance-a"] }));
    expect(result).toMatchObject({ outcome: "applied", flushes: { "instance-a": 1_000 } });
    expect(result.outcome === "applied" && "old-instance" in result.flushes).toBe(false);
    expect((await links().get(link.id))?.downloadCount).toBe(14);
    expect(await links().flushHits("no-such-link", aFlush())).toStrictEqual({ outcome: "gone" });
  });
}
