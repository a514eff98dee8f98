import { expect, it } from "vitest";
import { type Link, type LinkStatus, linkStatus } from "#src/domain/link.ts";
import type { Stores } from "#src/storage/ports.ts";
import { aLink, at, concurrently, consume, t0 } from "./fixtures.ts";

/**
 * LinkStore's single-item behaviour (lists: link-store-lists.contract.ts). A new LinkStore method
 * gets its cases here, and they run on every implementation (stores.contract.test.ts).
 */
export function linkStoreContract(stores: () => Stores) {
  const links = () => stores().links;

  it("put then get gives the link back as it was put, without undefined members", async () => {
    const link = aLink({ label: "for Ann", maxDownloads: 3, expiresAt: undefined });
    await links().put(link, 1000);
    const stored = await links().get(link.id);
    expect(stored).toStrictEqual(stripUndefined(link));
    expect(stored && "expiresAt" in stored).toBe(false);
    expect(await links().get("no-such-link")).toBeNull();
  });

  it("put refuses a duplicate id: the first link stays", async () => {
    const first = aLink({ label: "first" });
    await links().put(first, 1000);
    await links().put({ ...first, label: "second", ownerId: "someone-else" }, 1000);
    expect(await links().get(first.id)).toStrictEqual(first);
  });

  it("hands out copies: changing what get returned changes nothing stored", async () => {
    const link = aLink();
    await links().put(link, 1000);
    const read = (await links().get(link.id)) as Link;
    read.downloadCount = 99;
    read.revokedAt = at(1);
    expect(await links().get(link.id)).toStrictEqual(link);
  });

  const bindingHit = (client: string, n: number) => ({
    method: "POST" as const,
    client,
    requestId: `bind-${n}`,
    now: new Date(at(1)),
    defaultGraceSeconds: 0,
    checked: { bindClient: true },
  });

  it("50 distinct clients racing on a device limit of 3: exactly 3 are bound and counted", async () => {
    const link = aLink({ maxClients: 3 });
    await links().put(link, 1000);
    const results = await concurrently(50, (n) => links().hit(link.id, bindingHit(`device-${n}`, n)));
    expect(results.filter((result) => result.counted)).toHaveLength(3);
    const stored = (await links().get(link.id)) as Link;
    expect(stored.boundClients).toHaveLength(3);
    expect(stored.downloadCount).toBe(3);
    // A bound client keeps its place; a new one is refused, and the item shows why.
    const bound = stored.boundClients?.[0] as string;
    expect((await links().hit(link.id, bindingHit(bound, 100))).counted).toBe(true);
    const refused = await links().hit(link.id, bindingHit("device-late", 101));
    expect(refused.counted).toBe(false);
    expect(refused.link?.boundClients).toHaveLength(3);
    // Resetting frees the places; a hit without the check is refused (the link changed).
    expect((await links().resetClients(link.id))?.boundClients).toBeUndefined();
    expect((await links().hit(link.id, bindingHit("device-late", 102))).counted).toBe(true);
    expect((await links().hit(link.id, { ...bindingHit("device-other", 103), checked: {} })).counted).toBe(
      false,
    );
    expect(await links().resetClients("no-such-link")).toBeNull();
  });

  it("100 concurrent passphrase attempts: exactly the lock's attempts are counted, the rest find it locked", async () => {
    const link = aLink({ passphraseHash: "scrypt$15$8$1$c2FsdA$aGFzaA" });
    await links().put(link, 1000);
    const lock = { maxAttempts: 5, windowSeconds: 900 };
    const now = new Date(at(10));
    const results = await concurrently(100, () => links().countPassphraseAttempt(link.id, now, lock));
    const counted = results.filter((result) => result?.counted);
    expect(counted.map((result) => result?.fails).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(results.filter((result) => result && !result.counted && result.fails === 5)).toHaveLength(95);
    expect((await links().get(link.id))?.passphraseFails).toBe(5);
    // A hit with the passphrase verified (by a counted attempt) counts and clears the count.
    const right = {
      method: "POST" as const,
      client: "pass-client",
      requestId: "pass-1",
      now: new Date(at(11)),
      defaultGraceSeconds: 0,
      checked: { passphraseHash: link.passphraseHash },
    };
    const hit = await links().hit(link.id, right);
    expect(hit.counted).toBe(true);
    expect(hit.link?.passphraseFails).toBeUndefined();
    expect(hit.link?.passphraseFailsSince).toBeUndefined();
    // A window that is over gives way to a new one.
    await concurrently(5, () => links().countPassphraseAttempt(link.id, now, lock));
    const later = new Date(Date.parse(at(10)) + 900_000);
    expect(await links().countPassphraseAttempt(link.id, later, lock)).toEqual({
      counted: true,
      fails: 1,
      since: later.getTime() / 1000,
    });
    expect(await links().countPassphraseAttempt("no-such-link", now, lock)).toBeNull();
  });

  it("a counted hit counts one download and stamps it", async () => {
    const link = aLink({ maxDownloads: 2 });
    await links().put(link, 1000);
    const counted = await consume(links(), link.id, new Date(at(5)));
    expect(counted).toStrictEqual({
      ...link,
      downloadCount: 1,
      lastDownloadAt: at(5),
      // The access log's record rides in the same write (ADR 021).
      lastHit: { at: at(5), clientId: expect.stringMatching(/^contract-client-/), outcome: "granted" },
    });
    expect(await links().get(link.id)).toStrictEqual(counted);
  });

  it("a counted hit records its client, User-Agent and country as lastHit; a refused one leaves it", async () => {
    const link = aLink({ maxDownloads: 1 });
    await links().put(link, 1000);
    const hit = {
      method: "POST" as const,
      client: "client-a",
      requestId: "r-a",
      now: new Date(at(1)),
      defaultGraceSeconds: 0,
      userAgent: "curl/8.5.0",
      country: "DE",
    };
    const lastHit = {
      at: at(1),
      clientId: "client-a",
      userAgent: "curl/8.5.0",
      country: "DE",
      outcome: "granted",
    };
    expect(await links().hit(link.id, hit)).toMatchObject({ counted: true, link: { lastHit } });
    const refused = await links().hit(link.id, {
      ...hit,
      client: "client-b",
      requestId: "r-b",
      now: new Date(at(2)),
    });
    expect(refused).toMatchObject({ counted: false, link: { downloadCount: 1, lastHit } });
    expect(await links().get(link.id)).toMatchObject({ lastHit });
  });

  it("recordRefusal writes at most one refusal per link per second; false for a missing link", async () => {
    const link = aLink();
    await links().put(link, 1000);
    const refusal = (ms: number, clientId: string) => ({
      at: new Date(t0.getTime() + ms).toISOString(),
      clientId,
      outcome: "revoked" as const,
    });
    expect(await links().recordRefusal(link.id, refusal(0, "a"))).toBe(true);
    expect(await links().recordRefusal(link.id, refusal(999, "b"))).toBe(false);
    expect(await links().get(link.id)).toMatchObject({ lastRefusal: refusal(0, "a") });
    expect(await links().recordRefusal(link.id, refusal(1001, "c"))).toBe(true);
    expect(await links().get(link.id)).toMatchObject({ lastRefusal: refusal(1001, "c") });
    const results = await concurrently(50, (i) => links().recordRefusal(link.id, refusal(5000, `x${i}`)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await links().recordRefusal("no-such-link", refusal(0, "a"))).toBe(false);
    expect(await links().get("no-such-link")).toBeNull();
  });

  it("a rotation's revocation is marked rotated; a plain one is not", async () => {
    const link = aLink();
    await links().put(link, 1000);
    expect(await links().revoke(link.id, "owner-1", new Date(at(3)), true)).toMatchObject({
      revokedAt: at(3),
      rotated: true,
    });
    const plain = aLink();
    await links().put(plain, 1000);
    expect(await links().revoke(plain.id, "owner-1", new Date(at(3)))).not.toHaveProperty("rotated");
  });

  /** One table of link states: the store's condition and the domain's linkStatus must agree on each. */
  const states: Array<[string, Partial<Link>, LinkStatus]> = [
    ["no expiry, no limit", {}, "active"],
    ["expires a millisecond from now", { expiresAt: new Date(t0.getTime() + 1).toISOString() }, "active"],
    ["expires exactly now", { expiresAt: t0.toISOString() }, "expired"],
    ["expired a second ago", { expiresAt: at(-1) }, "expired"],
    ["one download left", { maxDownloads: 3, downloadCount: 2 }, "active"],
    ["downloads used up", { maxDownloads: 3, downloadCount: 3 }, "exhausted"],
    ["over its limit (limit lowered)", { maxDownloads: 1, downloadCount: 4 }, "exhausted"],
    ["a limit of zero", { maxDownloads: 0 }, "exhausted"],
    ["revoked", { revokedAt: at(-60), revokedBy: "owner-1" }, "revoked"],
    [
      "revoked, though unexpired with downloads left",
      { revokedAt: at(-1), revokedBy: "x", maxDownloads: 9, expiresAt: at(60) },
      "revoked",
    ],
  ];
  it.each(states)("a counted hit counts only an active link: %s", async (_name, fields, status) => {
    const link = aLink(fields);
    await links().put(link, 1000);
    expect(linkStatus(link, t0)).toBe(status);
    const counted = await consume(links(), link.id, t0);
    if (status === "active") expect(counted?.downloadCount).toBe(link.downloadCount + 1);
    else expect(counted).toBeNull();
    const expected = status === "active" ? link.downloadCount + 1 : link.downloadCount;
    expect((await links().get(link.id))?.downloadCount).toBe(expected);
  });

  it("a hit on a link that does not exist answers null and creates nothing", async () => {
    expect(await consume(links(), "no-such-link", t0)).toBeNull();
    expect(await links().get("no-such-link")).toBeNull();
  });

  it("50 concurrent counted hits of a 10-download link count exactly 10", async () => {
    const link = aLink({ maxDownloads: 10 });
    await links().put(link, 1000);
    const results = await concurrently(50, () => consume(links(), link.id, t0));
    const counted = results.flatMap((result) => (result ? [result.downloadCount] : []));
    expect(counted.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await links().get(link.id))?.downloadCount).toBe(10);
  });

  it("50 concurrent counted hits of an unlimited link count 50, none lost", async () => {
    const link = aLink();
    await links().put(link, 1000);
    await concurrently(50, () => consume(links(), link.id, t0));
    expect((await links().get(link.id))?.downloadCount).toBe(50);
  });

  it("a hit by the same client inside its grace is refused, handing back the link and its slot", async () => {
    const link = aLink({ maxDownloads: 1 });
    await links().put(link, 1000);
    const hit = { method: "POST" as const, client: "same-client", now: t0, defaultGraceSeconds: 900 };
    const first = await links().hit(link.id, { ...hit, requestId: "r1" });
    expect(first.counted).toBe(true);
    const again = await links().hit(link.id, { ...hit, requestId: "r2", now: new Date(at(60)) });
    expect(again).toMatchObject({ counted: false, link: { downloadCount: 1 } });
    expect(again.counted === false && again.slot).toStrictEqual({
      client: "same-client",
      until: t0.getTime() / 1000 + 900,
      request: "r1",
    });
  });

  it("a GET never spends a limited link; a refused hit on a missing link hands back null", async () => {
    const link = aLink({ maxDownloads: 5 });
    await links().put(link, 1000);
    const get = { method: "GET" as const, client: "c", requestId: "g1", now: t0, defaultGraceSeconds: 0 };
    expect(await links().hit(link.id, get)).toMatchObject({ counted: false, link: { downloadCount: 0 } });
    expect(await links().hit("no-such-link", get)).toStrictEqual({
      counted: false,
      link: null,
      slot: undefined,
    });
  });

  it("revoke keeps the first revocation; null for a missing link", async () => {
    const link = aLink();
    await links().put(link, 1000);
    const first = await links().revoke(link.id, "owner-1", new Date(at(10)));
    expect(first).toStrictEqual({ ...link, revokedAt: at(10), revokedBy: "owner-1" });
    expect(await links().revoke(link.id, "system", new Date(at(20)))).toStrictEqual(first);
    expect(await links().get(link.id)).toStrictEqual(first);
    expect(await links().revoke("no-such-link", "owner-1", t0)).toBeNull();
    expect(await links().get("no-such-link")).toBeNull();
  });

  it("50 concurrent revokes by different callers all answer the one revocation that won", async () => {
    const link = aLink();
    await links().put(link, 1000);
    const results = await concurrently(50, (i) => links().revoke(link.id, `revoker-${i}`, new Date(at(i))));
    const winners = new Set(results.map((result) => `${result?.revokedBy}@${result?.revokedAt}`));
    expect(winners.size).toBe(1);
    const stored = await links().get(link.id);
    expect(winners).toContain(`${stored?.revokedBy}@${stored?.revokedAt}`);
  });

  it("update sets the given fields, removes the null ones, leaves the rest", async () => {
    const link = aLink({ label: "old", expiresAt: at(60), maxDownloads: 5, recipient: "ann@example.com" });
    await links().put(link, 1000);
    const updated = await links().update(link.id, { label: "new", expiresAt: null, maxDownloads: undefined });
    const expected = stripUndefined({ ...link, label: "new", expiresAt: undefined });
    expect(updated).toStrictEqual(expected);
    expect(await links().get(link.id)).toStrictEqual(expected);
    expect(await links().update(link.id, {})).toStrictEqual(expected);
  });

  it("update refuses a revoked or missing link and changes nothing", async () => {
    const link = aLink({ label: "kept" });
    await links().put(link, 1000);
    const revoked = await links().revoke(link.id, "owner-1", t0);
    expect(await links().update(link.id, { label: "changed", maxDownloads: 100 })).toBeNull();
    expect(await links().update(link.id, {})).toBeNull();
    expect(await links().get(link.id)).toStrictEqual(revoked);
    expect(await links().update("no-such-link", { label: "x" })).toBeNull();
    expect(await links().get("no-such-link")).toBeNull();
  });

  it("update may raise the limit of a used-up link, which then counts again", async () => {
    const link = aLink({ maxDownloads: 1, downloadCount: 1 });
    await links().put(link, 1000);
    expect(await consume(links(), link.id, t0)).toBeNull();
    expect((await links().update(link.id, { maxDownloads: 2 }))?.maxDownloads).toBe(2);
    expect((await consume(links(), link.id, t0))?.downloadCount).toBe(2);
    expect((await links().update(link.id, { maxDownloads: null }))?.maxDownloads).toBeUndefined();
  });

  it("retarget points a link at a new object, title and file name; a missing link stays missing", async () => {
    const link = aLink();
    await links().put(link, 1000);
    const target = { objectKey: "files/p/v2", defaultFilename: "v2.zip", productTitle: "Renamed" };
    await links().retarget(link.id, target);
    expect(await links().get(link.id)).toStrictEqual({ ...link, ...target });
    await links().retarget(link.id, target);
    expect(await links().get(link.id)).toStrictEqual({ ...link, ...target });
    await links().retarget("no-such-link", target);
    expect(await links().get("no-such-link")).toBeNull();
  });

  it("retarget keeps the file size in step, also on a link made before sizes were kept", async () => {
    const link = aLink();
    await links().put(link, 1000);
    const target = {
      objectKey: link.objectKey,
      defaultFilename: link.defaultFilename,
      productTitle: link.productTitle,
    };
    await links().retarget(link.id, { ...target, fileSize: 1234 });
    expect((await links().get(link.id))?.fileSize).toBe(1234);
    await links().retarget(link.id, { ...target, fileSize: 99 });
    expect((await links().get(link.id))?.fileSize).toBe(99);
  });
}

/** What a record looks like once stored: members set to undefined are absent. */
export function stripUndefined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}
