import { type ApiKey, currentSecretHash } from "#src/domain/api-key.ts";
import { type DynamoTable, type Item, recordOf } from "./dynamo-table.ts";
import type { ApiKeyStore } from "./ports.ts";

const SK = "APIKEY";
const pkOf = (id: string) => `APIKEY#${id}`;

const toApiKey = (item: Item) => recordOf<ApiKey>(item);
/**
 * A rotated-in secret is a pointer item `APIKEY#<its hash>` → `keyId` beside the keys (same sort
 * key, so a lookup by secret is one GetItem whichever it finds); it has no owner and no index keys.
 */
const isPointer = (item: Item) => typeof item.keyId === "string" && item.ownerId === undefined;

export function dynamoApiKeyStore(table: DynamoTable): ApiKeyStore {
  const getKey = async (id: string) => {
    const item = await table.get(pkOf(id), SK);
    return item && !isPointer(item) ? toApiKey(item) : null;
  };
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
    get: getKey,
    async listByOwner(ownerId, request) {
      const page = await table.query("gsi1", `OWNER_KEYS#${ownerId}`, request);
      return { items: page.items.map(toApiKey), nextCursor: page.nextCursor };
    },
    async revoke(id, now) {
      const item = await table.update(pkOf(id), SK, {
        expression: "SET revokedAt = if_not_exists(revokedAt, :now)",
        condition: "attribute_exists(ownerId)",
        values: { ":now": now.toISOString() },
      });
      return item ? toApiKey(item) : null;
    },
    async touch(id, now) {
      await table.update(pkOf(id), SK, {
        expression: "SET lastUsedAt = :now",
        condition: "attribute_exists(ownerId)",
        values: { ":now": now.toISOString() },
      });
    },
    async findBySecret(secretHash) {
      const item = await table.get(pkOf(secretHash), SK);
      if (!item) return null;
      return isPointer(item) ? getKey(item.keyId as string) : toApiKey(item);
    },
    async rotate(id, rotation) {
      const before = await getKey(id);
      if (!before || before.revokedAt || currentSecretHash(before) !== rotation.previousSecretHash)
        return null;
      // The pointer first: until the key names it, it opens nothing (apiKeyAccepts checks the key).
      const pointed = await table.put(
        { pk: pkOf(rotation.secretHash), sk: SK, keyId: id },
        { expression: "attribute_not_exists(pk)" },
      );
      if (!pointed) return null;
      const item = await table.update(pkOf(id), SK, {
        expression:
          "SET secretHash = :secret, keyHint = :hint, previousSecretHash = :previous, " +
          "previousSecretValidUntil = :until, rotatedAt = :at",
        condition:
          "attribute_exists(ownerId) AND attribute_not_exists(revokedAt) AND " +
          "(secretHash = :previous OR (attribute_not_exists(secretHash) AND #id = :previous))",
        names: { "#id": "id" },
        values: {
          ":secret": rotation.secretHash,
          ":hint": rotation.keyHint,
          ":previous": rotation.previousSecretHash,
          ":until": rotation.previousSecretValidUntil,
          ":at": rotation.rotatedAt,
        },
      });
      if (!item) {
        await table.delete(pkOf(rotation.secretHash), SK);
        return null;
      }
      // Cleanup only (the key alone decides what opens it): the replaced secret's pointer goes when
      // its overlap ends (DynamoDB's TTL; the stand-in's TTL pass locally), the one before it now.
      // The first secret is the key item itself and never goes.
      if (rotation.previousSecretHash !== id) {
        await table.update(pkOf(rotation.previousSecretHash), SK, {
          expression: "SET expiresAtEpoch = :epoch",
          condition: "keyId = :id",
          values: {
            ":epoch": Math.ceil(Date.parse(rotation.previousSecretValidUntil) / 1000),
            ":id": id,
          },
        });
      }
      const dropped = before.previousSecretHash;
      if (dropped !== undefined && dropped !== id) {
        await table.deleteIf(pkOf(dropped), SK, { expression: "keyId = :id", values: { ":id": id } });
      }
      return toApiKey(item);
    },
  };
}
