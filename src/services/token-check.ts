import type { AppDeps, LegacyTokenList } from "#src/app-deps.ts";
import { hashToken, legacyIdPrefix, type TokenKind, tokenFormat } from "#src/domain/token.ts";
import type { Logger } from "#src/logger.ts";
import type { LegacyTokenListStore } from "#src/storage/ports.ts";

/** While no list exists (before the migration), look again this often. */
const ABSENT_RECHECK_MS = 60_000;

function contains(sorted: BigUint64Array, value: bigint): boolean {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const found = sorted[middle] as bigint;
    if (found === value) return true;
    if (found < value) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/**
 * Loaded on the first legacy-format token an instance sees (one Query), kept for the process:
 * the list is closed, since nothing mints legacy tokens any more. Concurrent first callers share
 * the load; a failed load is retried by the next token.
 */
export function legacyTokenList(
  store: LegacyTokenListStore,
  logger: Logger,
  now: () => number = Date.now,
): LegacyTokenList {
  let loading: Promise<BigUint64Array | null> | undefined;
  let loadedAt = 0;
  const load = () => {
    loadedAt = now();
    loading = store.load().then(
      (list) => {
        if (!list) logger.warn("no legacy token list: legacy tokens each cost a lookup until it is built");
        return list;
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
    return loading;
  };
  return {
    async mayContain(storedId) {
      let list = await (loading ?? load());
      if (list === null && now() - loadedAt > ABSENT_RECHECK_MS) list = await load();
      return list === null || contains(list, legacyIdPrefix(storedId));
    },
  };
}

/**
 * Whether a token may have been issued, decided without a table read for anything forged: a
 * keyed token's tag must verify; a legacy one must be on the closed list (or legacy tokens be
 * refused outright with LEGACY_TOKENS=refuse). Only then is it worth a DynamoDB call.
 */
export async function mayBeIssued(
  deps: Pick<AppDeps, "config" | "legacyTokens">,
  kind: TokenKind,
  token: string,
): Promise<boolean> {
  const format = tokenFormat(kind, token, deps.config.TOKEN_KEYS);
  if (format === "keyed") return true;
  if (format === "invalid" || deps.config.LEGACY_TOKENS === "refuse") return false;
  return deps.legacyTokens.mayContain(hashToken(token));
}
