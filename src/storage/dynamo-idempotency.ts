import { ConditionalCheckFailedException, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { IdempotencyRecord } from "#src/domain/idempotency.ts";
import { callDependency } from "./dependency-errors.ts";
import { type DynamoTable, recordOf } from "./dynamo-table.ts";
import type { IdempotencyStore } from "./ports.ts";
import { ttlAttribute } from "./table-definition.ts";

const SK = "IDEMPOTENCY";
/** One item per caller and key; the key is printable ASCII of 255 characters at most. */
const pkOf = (scope: string, key: string) => `IDEMPOTENCY#${scope}#${key}`;
const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export function dynamoIdempotencyStore(table: DynamoTable): IdempotencyStore {
  return {
    async claim(record, now) {
      // A record deleted (released) between the refused write and the read: try once more.
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          // One round trip either way: a refused write hands back the record that holds the key.
          await callDependency("dynamodb", () =>
            table.client.send(
              new PutItemCommand({
                TableName: table.tableName,
                Item: marshall(
                  {
                    pk: pkOf(record.scope, record.key),
                    sk: SK,
                    [ttlAttribute]: epoch(record.expiresAt),
                    ...record,
                  },
                  { removeUndefinedValues: true },
                ),
                // DynamoDB's TTL deletes late (hours): an expired record counts as gone here already.
                ConditionExpression:
                  "attribute_not_exists(pk) OR #ttl <= :nowEpoch " +
                  "OR (attribute_exists(lockedBy) AND lockedUntil <= :now AND fingerprint = :fingerprint)",
                ExpressionAttributeNames: { "#ttl": ttlAttribute },
                ExpressionAttributeValues: marshall({
                  ":nowEpoch": Math.floor(now.getTime() / 1000),
                  ":now": now.toISOString(),
                  ":fingerprint": record.fingerprint,
                }),
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              }),
            ),
          );
          return { claimed: true };
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          const item = error.Item
            ? unmarshall(error.Item)
            : await table.get(pkOf(record.scope, record.key), SK);
          if (item) return { claimed: false, record: recordOf<IdempotencyRecord>(item) };
        }
      }
      throw new Error("Idempotency key claimed and released repeatedly");
    },

    async complete(scope, key, lockedBy, answer) {
      const item = await table.update(pkOf(scope, key), SK, {
        expression: "SET answer = :answer REMOVE lockedBy",
        condition: "lockedBy = :by",
        values: { ":answer": answer, ":by": lockedBy },
      });
      return item !== null;
    },

    async release(scope, key, lockedBy) {
      await table.deleteIf(pkOf(scope, key), SK, {
        expression: "lockedBy = :by",
        values: { ":by": lockedBy },
      });
    },
  };
}
