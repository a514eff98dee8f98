import { expect, it } from "vitest";
import { legacyIdPrefix, mintLegacyToken } from "#src/domain/token.ts";
import type { Stores } from "#src/storage/ports.ts";
import { aLink, anApiKey, aProduct } from "./fixtures.ts";

/** LegacyTokenListStore: absent until built; then every link and API key id, sorted, and nothing else. */
export function legacyTokenListContract(stores: () => Stores) {
  const list = () => stores().legacyTokens;

  it("load is null until the list is built; an empty table gives an empty list, not null", async () => {
    expect(await list().load()).toBeNull();
    expect(await list().rebuild()).toBe(0);
    expect(await list().load()).toEqual(new BigUint64Array());
  });

  it("rebuild lists the 8-byte id prefixes of every link and API key, sorted; a rebuild adds new ones", async () => {
    const linkIds = Array.from({ length: 30 }, () => mintLegacyToken("link").hash);
    const keyIds = Array.from({ length: 5 }, () => mintLegacyToken("apiKey").hash);
    for (const id of linkIds) await stores().links.put(aLink({ id }), 1_000);
    for (const id of keyIds) await stores().apiKeys.put(anApiKey({ id }));
    await stores().products.create(aProduct());
    expect(await list().rebuild()).toBe(35);
    const expected = BigUint64Array.from([...linkIds, ...keyIds].map(legacyIdPrefix)).sort();
    expect(await list().load()).toEqual(expected);

    const later = mintLegacyToken("link").hash;
    await stores().links.put(aLink({ id: later }), 1_000);
    expect(await list().load()).toEqual(expected);
    expect(await list().rebuild()).toBe(36);
    expect((await list().load())?.includes(legacyIdPrefix(later))).toBe(true);
  });
}
