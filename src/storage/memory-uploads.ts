import type { Upload } from "#src/domain/upload.ts";
import { copyOf, pageOf } from "./memory-lists.ts";
import type { ObjectCleanup, UploadStore } from "./ports.ts";

type Due = { upload: Upload } | { cleanup: ObjectCleanup };

/** UploadStore in memory: uploads and scheduled deletions share one list ordered by when they are due. */
export function memoryUploadStore(): UploadStore {
  const uploads = new Map<string, Upload>();
  const cleanups = new Map<string, ObjectCleanup>();

  return {
    async put(upload) {
      if (!uploads.has(upload.id)) uploads.set(upload.id, copyOf(upload));
    },
    async get(id) {
      const upload = uploads.get(id);
      return upload ? copyOf(upload) : null;
    },
    async claim(id, ownerId, claim, now) {
      const upload = uploads.get(id);
      if (!upload || upload.ownerId !== ownerId || upload.claim) return null;
      if (Date.parse(upload.expiresAt) <= now.getTime()) return null;
      upload.claim = copyOf(claim);
      return copyOf(upload);
    },
    async delete(id) {
      uploads.delete(id);
    },
    async scheduleCleanup(cleanup) {
      cleanups.set(cleanup.key, copyOf(cleanup));
    },
    async cancelCleanup(key) {
      cleanups.delete(key);
    },
    async listDue(now, limit) {
      // The same sort keys as the DynamoDB store's DUE index: due time first, uploads before cleanups.
      const due: [string, Due][] = [
        ...[...uploads.values()].map((upload): [string, Due] => [
          `${upload.expiresAt}#U#${upload.id}`,
          { upload },
        ]),
        ...[...cleanups.values()].map((cleanup): [string, Due] => [
          `${cleanup.dueAt}#C#${cleanup.key}`,
          { cleanup },
        ]),
      ].filter(([sortKey]) => sortKey < now.toISOString());
      const { items } = pageOf("due", due, { limit }, { ascending: true });
      return {
        uploads: items.flatMap((item) => ("upload" in item ? [item.upload] : [])),
        cleanups: items.flatMap((item) => ("cleanup" in item ? [item.cleanup] : [])),
      };
    },
  };
}
