import { expect, it } from "vitest";
import { type ApiKey, rotationOf } from "#src/domain/api-key.ts";
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

  const rotate = (key: ApiKey, hash: string, at: number) =>
    keys().rotate(key.id, rotationOf(key, { hash, hint: hash.slice(-4) }, new Date(at), 60));

  it("findBySecret finds a key by its first secret (its id); a rotation's new secret leads to it too", async () => {
    const key = anApiKey();
    await keys().put(key);
    expect(await keys().findBySecret(key.id)).toStrictEqual(key);
    expect(await keys().findBySecret("no-such-secret")).toBeNull();
    const rotated = await rotate(key, `second-${key.id}`, Date.parse(at(1)));
    const expected: ApiKey = {
      ...key,
      keyHint: `second-${key.id}`.slice(-4),
      secretHash: `second-${key.id}`,
      previousSecretHash: key.id,
      previousSecretValidUntil: new Date(Date.parse(at(1)) + 60_000).toISOString(),
      rotatedAt: at(1),
    };
    expect(rotated).toStrictEqual(expected);
    expect(await keys().get(key.id)).toStrictEqual(expected);
    expect(await keys().findBySecret(`second-${key.id}`)).toStrictEqual(expected);
    expect(await keys().findBySecret(key.id)).toStrictEqual(expected);
    // A secret's hash is not an id: the pointer is no key of its own.
    expect(await keys().get(`second-${key.id}`)).toBeNull();
    expect(await keys().revoke(`second-${key.id}`, new Date(at(2)))).toBeNull();
    await keys().touch(`second-${key.id}`, new Date(at(2)));
    expect(await keys().findBySecret(`second-${key.id}`)).toStrictEqual(expected);
    const { items } = await keys().listByOwner(key.ownerId, { limit: 100 });
    expect(items.filter((item) => item.id === key.id || item.id === `second-${key.id}`)).toStrictEqual([
      expected,
    ]);
  });

  it("a second rotation keeps only the secret it replaces: the one before no longer leads anywhere", async () => {
    const key = anApiKey();
    await keys().put(key);
    const once = (await rotate(key, `b-${key.id}`, Date.parse(at(1)))) as ApiKey;
    const twice = (await rotate(once, `c-${key.id}`, Date.parse(at(2)))) as ApiKey;
    expect(twice).toMatchObject({ secretHash: `c-${key.id}`, previousSecretHash: `b-${key.id}` });
    const thrice = (await rotate(twice, `d-${key.id}`, Date.parse(at(3)))) as ApiKey;
    expect(thrice).toMatchObject({ secretHash: `d-${key.id}`, previousSecretHash: `c-${key.id}` });
    expect(await keys().findBySecret(`b-${key.id}`)).toBeNull();
    expect(await keys().findBySecret(`c-${key.id}`)).toStrictEqual(thrice);
    expect(await keys().findBySecret(`d-${key.id}`)).toStrictEqual(thrice);
    // The first secret's hash is the key's id: it still finds the key (apiKeyAccepts refuses it).
    expect(await keys().findBySecret(key.id)).toStrictEqual(thrice);
  });

  it("rotate is refused (null, nothing changed) from a stale secret, on a revoked key and on no key", async () => {
    const key = anApiKey();
    await keys().put(key);
    const once = (await rotate(key, `b-${key.id}`, Date.parse(at(1)))) as ApiKey;
    expect(await rotate(key, `x-${key.id}`, Date.parse(at(2)))).toBeNull();
    expect(await keys().findBySecret(`x-${key.id}`)).toBeNull();
    expect(await keys().get(key.id)).toStrictEqual(once);
    await keys().revoke(key.id, new Date(at(3)));
    const revoked = await keys().get(key.id);
    expect(await rotate(once, `y-${key.id}`, Date.parse(at(4)))).toBeNull();
    expect(await keys().findBySecret(`y-${key.id}`)).toBeNull();
    expect(await keys().get(key.id)).toStrictEqual(revoked);
    expect(
      await keys().rotate(
        "no-such-key",
        rotationOf(anApiKey({ id: "no-such-key" }), { hash: "z", hint: "z" }, new Date(at(1)), 60),
      ),
    ).toBeNull();
    expect(await keys().findBySecret("z")).toBeNull();
  });

  it("20 concurrent rotations from one secret: exactly one wins and only its secret leads to the key", async () => {
    const key = anApiKey();
    await keys().put(key);
    const results = await concurrently(20, (i) => rotate(key, `r${i}-${key.id}`, Date.parse(at(i))));
    const won = results.filter((result) => result !== null);
    expect(won).toHaveLength(1);
    const stored = await keys().get(key.id);
    expect(stored).toStrictEqual(won[0]);
    const found = await Promise.all(results.map((_, i) => keys().findBySecret(`r${i}-${key.id}`)));
    expect(found.filter((item) => item !== null)).toStrictEqual([stored]);
  });
}
