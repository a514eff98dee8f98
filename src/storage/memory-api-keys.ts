import type { ApiKey } from "#src/domain/api-key.ts";
import { byCreation, copyOf, pageOf } from "./memory-lists.ts";
import type { ApiKeyStore } from "./ports.ts";

/** ApiKeyStore in memory (see memory-links.ts for what holds for all memory stores). */
export function memoryApiKeyStore(): ApiKeyStore {
  const keys = new Map<string, ApiKey>();
  return {
    async put(key) {
      if (!keys.has(key.id)) keys.set(key.id, copyOf(key));
    },
    async get(id) {
      const key = keys.get(id);
      return key ? copyOf(key) : null;
    },
    listByOwner: async (ownerId, request) =>
      pageOf(
        `owner:${ownerId}`,
        [...keys.values()].filter((key) => key.ownerId === ownerId).map((key) => [byCreation(key), key]),
        request,
      ),
    async revoke(id, now) {
      const key = keys.get(id);
      if (!key) return null;
      key.revokedAt ??= now.toISOString();
      return copyOf(key);
    },
    async touch(id, now) {
      const key = keys.get(id);
      if (key) key.lastUsedAt = now.toISOString();
    },
  };
}
