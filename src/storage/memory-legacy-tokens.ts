import { legacyIdPrefix } from "#src/domain/token.ts";
import type { LegacyTokenListStore } from "./ports.ts";

/**
 * The legacy token list in memory: `rebuild` lists the ids the given stores hold now, as the
 * DynamoDB store's scan does; `null` until it first ran.
 */
export function memoryLegacyTokenListStore(issuedIds: () => Promise<string[]>): LegacyTokenListStore {
  let list: BigUint64Array | null = null;
  return {
    async load() {
      return list ? list.slice() : null;
    },
    async rebuild() {
      list = BigUint64Array.from((await issuedIds()).map(legacyIdPrefix)).sort();
      return list.length;
    },
  };
}
