import type { ApiKey } from "#src/domain/api-key.ts";
import { type DynamoTable, type Item, recordOf } from "./dynamo-table.ts";
import type { ApiKeyStore } from "./ports.ts";

const SK = "APIKEY";
const pkOf = (id: string) => `APIKEY#${id}`;

const toApiKey = (item: Item) => recordOf<ApiKey>(item);

export function dynamoApiKeyStore(table: DynamoTable): ApiKeyStore {
  return {
    async put(key) {
      await table.put(
        {
          pk: pkOf(key.id),
          sk: SK,
          gsi1pk: `OWNER_KEYS#${key.ownerId}`,
          gsi1sk: `${key.createdAt}#${key.id}`,
          ...key,
        },
        { expression: "attribute_not_exists(pk)" },
      );
    },
    async get(id) {
      const item = await table.get(pkOf(id), SK);
      return item ? toApiKey(item) : null;
    },
    async listByOwner(ownerId, request) {
      const page = await table.query("gsi1", `OWNER_KEYS#${ownerId}`, request);
      return { items: page.items.map(toApiKey), nextCursor: page.nextCursor };
    },
    async revoke(id, now) {
      const item = await table.update(pkOf(id), SK, {
        expression: "SET revokedAt = if_not_exists(revokedAt, :now)",
        condition: "attribute_exists(pk)",
        values: { ":now": now.toISOString() },
      });
      return item ? toApiKey(item) : null;
    },
    async touch(id, now) {
      await table.update(pkOf(id), SK, {
        expression: "SET lastUsedAt = :now",
        condition: "attribute_exists(pk)",
        values: { ":now": now.toISOString() },
      });
    },
  };
}
