import { expect, it } from "vitest";
import type { Stores } from "#src/storage/ports.ts";
import { anApiKey, at, concurrently, walk } from "./fixtures.ts";

/** ApiKeyStore: put once, revoke once (first time kept), touch, the owner's keys newest first. */
export function apiKeyStoreContract(stores: () => Stores) {
  const keys = () => stores().apiKeys;

  it("put then get gives the key back; a second put with its id changes nothing", async () => {
    const key = anApiKey();
    await keys().put(key);
    await keys().put({ ...key, scopes: ["links:read", "links:write", "orders:write"] });
    expect(await keys().get(key.id)).toStrictEqual(key);
    expect(await keys().get("no-such-key")).toBeNull();
  });

  it("revoke keeps the first revocation time, even under 50 concurrent revokes; null for no key", async () => {
    const key = anApiKey();
    await keys().put(key);
    const results = await concurrently(50, (i) => keys().revoke(key.id, new Date(at(i))));
    const times = new Set(results.map((result) => result?.revokedAt));
    expect(times.size).toBe(1);
    const stored = await keys().get(key.id);
    expect(times).toContain(stored?.revokedAt);
    expect(await keys().revoke(key.id, new Date(at(99)))).toStrictEqual(stored);
    expect(await keys().revoke("no-such-key", new Date(at(1)))).toBeNull();
    expect(await keys().get("no-such-key")).toBeNull();
  });

  it("touch stamps the last use (revoked or not) and never creates a key", async () => {
    const key = anApiKey();
    await keys().put(key);
    await keys().touch(key.id, new Date(at(5)));
    expect(await keys().get(key.id)).toStrictEqual({ ...key, lastUsedAt: at(5) });
    await keys().revoke(key.id, new Date(at(6)));
    await keys().touch(key.id, new Date(at(7)));
    expect(await keys().get(key.id)).toStrictEqual({ ...key, lastUsedAt: at(7), revokedAt: at(6) });
    await keys().touch("no-such-key", new Date(at(5)));
    expect(await keys().get("no-such-key")).toBeNull();
  });

  it("listByOwner pages newest first, only the owner's, revoked keys included", async () => {
    const made = Array.from({ length: 6 }, (_, i) => anApiKey({ ownerId: "holder", createdAt: at(i) }));
    for (const key of [...made].reverse()) await keys().put(key);
    await keys().put(anApiKey({ ownerId: "other" }));
    await keys().revoke(made[2]?.id ?? "", new Date(at(10)));
    const { items } = await walk((page) => keys().listByOwner("holder", page), 4);
    expect(items.map((key) => key.id)).toEqual(made.map((key) => key.id).reverse());
    expect(items.find((key) => key.id === made[2]?.id)?.revokedAt).toBe(at(10));
    const { nextCursor } = await keys().listByOwner("holder", { limit: 1 });
    await expect(keys().listByOwner("other", { limit: 1, cursor: nextCursor })).rejects.toMatchObject({
      code: "invalid_request",
    });
  });
}
