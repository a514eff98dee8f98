import type { FileRecord } from "#src/domain/file.ts";
import { byCreation, copyOf, pageOf } from "./memory-lists.ts";
import type { FileStore } from "./ports.ts";

/** FileStore in memory (see memory-links.ts for what holds for all memory stores). */
export function memoryFileStore(): FileStore {
  const files = new Map<string, FileRecord>();
  return {
    async put(file) {
      if (!files.has(file.id)) files.set(file.id, copyOf(file));
    },
    async get(id) {
      const file = files.get(id);
      return file ? copyOf(file) : null;
    },
    listByOwner: async (ownerId, request) =>
      pageOf(
        `owner:${ownerId}`,
        [...files.values()]
          .filter((file) => file.ownerId === ownerId)
          .map((file): [string, FileRecord] => [byCreation(file), file]),
        request,
      ),
    async markReady(id, ownerId, now) {
      const file = files.get(id);
      if (!file || file.ownerId !== ownerId || file.status !== "pending") return null;
      file.status = "ready";
      file.completedAt = now.toISOString();
      return copyOf(file);
    },
    async delete(id) {
      files.delete(id);
    },
  };
}
