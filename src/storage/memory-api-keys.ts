import type { ApiKey } from "#src/domain/api-key.ts";
import { currentSecretHash } from "#src/domain/api-key.ts";
import { byCreation, copyOf, pageOf } from "./memory-lists.ts";
import type { ApiKeyStore } from "./ports.ts";

/** ApiKeyStore in memory (see memory-links.ts for what holds for all memory stores). */
export function memoryApiKeyStore(): ApiKeyStore {
  const keys = new Map<string, ApiKey>();
  // A rotated-in secret's hash → its key's id (the DynamoDB store's pointer items).
  const pointers = new Map<string, string>();
  return {
    async put(key) {
      if (!keys.has(key.id) && !pointers.has(key.id)) keys.set(key.id, copyOf(key));
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
    async findBySecret(secretHash) {
      const key = keys.get(secretHash) ?? keys.get(pointers.get(secretHash) ?? "");
      return key ? copyOf(key) : null;
    },
    async rotate(id, rotation) {
      const key = keys.get(id);
      if (!key || key.revokedAt || currentSecretHash(key) !== rotation.previousSecretHash) return null;
      if (keys.has(rotation.secretHash) || pointers.has(rotation.secretHash)) return null;
      const dropped = key.previousSecretHash;
      if (dropped !== undefined && dropped !== id) pointers.delete(dropped);
      pointers.set(rotation.secretHash, id);
      Object.assign(key, rotation);
      return copyOf(key);
    },
  };
}
