import type { Upload } from "#src/domain/upload.ts";
import { type DynamoTable, recordOf } from "./dynamo-table.ts";
import type { ObjectCleanup, UploadStore } from "./ports.ts";

const UPLOAD_SK = "UPLOAD";
const CLEANUP_SK = "CLEANUP";
const uploadPk = (id: string) => `UPLOAD#${id}`;
const cleanupPk = (key: string) => `CLEANUP#${key}`;
/** One index partition holds everything that must be looked at again later, ordered by when. */
const DUE_PARTITION = "DUE";

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export function dynamoUploadStore(table: DynamoTable): UploadStore {
  return {
    async put(upload) {
      await table.put(
        {
          pk: uploadPk(upload.id),
          sk: UPLOAD_SK,
          gsi1pk: DUE_PARTITION,
          gsi1sk: `${upload.expiresAt}#U#${upload.id}`,
          // Leaves a day of grace after the sweeper's due time before DynamoDB's TTL (in AWS) removes it.
          expiresAtEpoch: epochSeconds(upload.expiresAt) + 86_400,
          ...upload,
        },
        { expression: "attribute_not_exists(pk)" },
      );
    },
    async get(id) {
      const item = await table.get(uploadPk(id), UPLOAD_SK);
      return item ? recordOf<Upload>(item) : null;
    },
    async claim(id, ownerId, claim, now) {
      const item = await table.update(uploadPk(id), UPLOAD_SK, {
        expression: "SET #claim = :claim",
        condition:
          "attribute_exists(pk) AND ownerId = :owner AND attribute_not_exists(#claim) AND expiresAt > :now",
        names: { "#claim": "claim" },
        values: { ":claim": claim, ":owner": ownerId, ":now": now.toISOString() },
      });
      return item ? recordOf<Upload>(item) : null;
    },
    async delete(id) {
      await table.delete(uploadPk(id), UPLOAD_SK);
    },
    async scheduleCleanup(cleanup) {
      await table.put({
        pk: cleanupPk(cleanup.key),
        sk: CLEANUP_SK,
        gsi1pk: DUE_PARTITION,
        gsi1sk: `${cleanup.dueAt}#C#${cleanup.key}`,
        ...cleanup,
      });
    },
    async cancelCleanup(key) {
      await table.delete(cleanupPk(key), CLEANUP_SK);
    },
    async listDue(now, limit) {
      const page = await table.query(
        "gsi1",
        DUE_PARTITION,
        { limit },
        { ascending: true, sortKeyBelow: now.toISOString() },
      );
      const uploads: Upload[] = [];
      const cleanups: ObjectCleanup[] = [];
      for (const item of page.items) {
        if (item.sk === UPLOAD_SK) uploads.push(recordOf<Upload>(item));
        else cleanups.push(recordOf<ObjectCleanup>(item));
      }
      return { uploads, cleanups };
    },
  };
}
