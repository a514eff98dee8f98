import type { FileRecord } from "#src/domain/file.ts";
import { type DynamoTable, recordOf } from "./dynamo-table.ts";
import type { FileStore } from "./ports.ts";

const SK = "FILE";
const pkOf = (id: string) => `FILE#${id}`;
const ownerPartition = (ownerId: string) => `OWNER_FILES#${ownerId}`;

export function dynamoFileStore(table: DynamoTable): FileStore {
  return {
    async put(file) {
      await table.put(
        {
          pk: pkOf(file.id),
          sk: SK,
          gsi1pk: ownerPartition(file.ownerId),
          gsi1sk: `${file.createdAt}#${file.id}`,
          ...file,
        },
        { expression: "attribute_not_exists(pk)" },
      );
    },
    async get(id) {
      const item = await table.get(pkOf(id), SK);
      return item ? recordOf<FileRecord>(item) : null;
    },
    async listByOwner(ownerId, request) {
      const page = await table.query("gsi1", ownerPartition(ownerId), request);
      return { items: page.items.map((item) => recordOf<FileRecord>(item)), nextCursor: page.nextCursor };
    },
    async markReady(id, ownerId, now) {
      const item = await table.update(pkOf(id), SK, {
        expression: "SET #status = :ready, completedAt = :now",
        condition: "attribute_exists(pk) AND ownerId = :owner AND #status = :pending",
        names: { "#status": "status" },
        values: { ":ready": "ready", ":pending": "pending", ":owner": ownerId, ":now": now.toISOString() },
      });
      return item ? recordOf<FileRecord>(item) : null;
    },
    async delete(id) {
      await table.delete(pkOf(id), SK);
    },
  };
}
