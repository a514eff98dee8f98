import {
  type AttributeValue,
  ConditionalCheckFailedException,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Link } from "#src/domain/link.ts";
import { callDependency } from "./dependency-errors.ts";
import { type DynamoTable, type Item, recordOf } from "./dynamo-table.ts";
import type { LinkChanges, LinkStore, Page, PageRequest } from "./ports.ts";

const SK = "LINK";
const pkOf = (id: string) => `LINK#${id}`;

const toLink = (item: Item) => recordOf<Link>(item);
const pointerSk = (ownerId: string, id: string) => `LINK#${ownerId}#${id}`;

/** The redirect's one round trip: count the download only while the link is active. */
const CONSUME_CONDITION =
  "attribute_exists(pk) AND attribute_not_exists(revokedAt) " +
  "AND (attribute_not_exists(expiresAt) OR expiresAt > :now) " +
  "AND (attribute_not_exists(maxDownloads) OR downloadCount < maxDownloads)";

export function dynamoLinkStore(table: DynamoTable): LinkStore {
  const page = async (
    index: "gsi1" | "gsi2",
    partition: string,
    request: PageRequest,
  ): Promise<Page<Link>> => {
    const result = await table.query(index, partition, request);
    return { items: result.items.map(toLink), nextCursor: result.nextCursor };
  };

  return {
    async put(link) {
      const sortKey = `${link.createdAt}#${link.id}`;
      // The product's partition keeps a pointer to each of its links, so refunds and deletes find
      // them with a strongly consistent query (an index lags). Written first: a pointer without
      // its link is harmless, a link without its pointer is not.
      await table.put({
        pk: `PRODUCT#${link.productId}`,
        sk: pointerSk(link.ownerId, link.id),
        linkId: link.id,
      });
      await table.put(
        {
          pk: pkOf(link.id),
          sk: SK,
          gsi1pk: `OWNER_LINKS#${link.ownerId}`,
          gsi1sk: sortKey,
          gsi2pk: `PRODUCT_LINKS#${link.productId}`,
          gsi2sk: sortKey,
          ...link,
        },
        { expression: "attribute_not_exists(pk)" },
      );
    },

    async get(id) {
      const item = await table.get(pkOf(id), SK);
      return item ? toLink(item) : null;
    },

    async consume(id, now) {
      // Hand-built attribute values: this runs on every redirect, so it skips marshall().
      const values: Record<string, AttributeValue> = {
        ":one": { N: "1" },
        ":now": { S: now.toISOString() },
      };
      try {
        const result = await callDependency("dynamodb", () =>
          table.client.send(
            new UpdateItemCommand({
              TableName: table.tableName,
              Key: { pk: { S: pkOf(id) }, sk: { S: SK } },
              UpdateExpression: "SET downloadCount = downloadCount + :one, lastDownloadAt = :now",
              ConditionExpression: CONSUME_CONDITION,
              ExpressionAttributeValues: values,
              ReturnValues: "ALL_NEW",
            }),
          ),
        );
        return result.Attributes ? toLink(unmarshall(result.Attributes)) : null;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return null;
        throw error;
      }
    },

    listByOwner: (ownerId, request) => page("gsi1", `OWNER_LINKS#${ownerId}`, request),

    async listIdsForProduct(productId, ownerId) {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const result = await table.query(
          undefined,
          `PRODUCT#${productId}`,
          { limit: 100, cursor },
          {
            ascending: true,
            sortKeyPrefix: ownerId === undefined ? "LINK#" : `LINK#${ownerId}#`,
          },
        );
        ids.push(...result.items.map((item) => String(item.linkId)));
        cursor = result.nextCursor;
      } while (cursor);
      return ids;
    },
    listByProduct: (productId, request) => page("gsi2", `PRODUCT_LINKS#${productId}`, request),

    async update(id, changes: LinkChanges) {
      const sets: string[] = [];
      const removes: string[] = [];
      const values: Item = {};
      const names: Record<string, string> = {};
      for (const field of ["label", "expiresAt", "maxDownloads"] as const) {
        const value = changes[field];
        if (value === undefined) continue;
        names[`#${field}`] = field;
        if (value === null) removes.push(`#${field}`);
        else {
          sets.push(`#${field} = :${field}`);
          values[`:${field}`] = value;
        }
      }
      if (sets.length === 0 && removes.length === 0) {
        const current = await this.get(id);
        return current && !current.revokedAt ? current : null;
      }
      const expression = [
        sets.length ? `SET ${sets.join(", ")}` : "",
        removes.length ? `REMOVE ${removes.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join(" ");
      const item = await table.update(pkOf(id), SK, {
        expression,
        condition: "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
        values: Object.keys(values).length ? values : undefined,
        names,
      });
      return item ? toLink(item) : null;
    },

    async revoke(id, revokedBy, now) {
      const item = await table.update(pkOf(id), SK, {
        expression: "SET revokedAt = :now, revokedBy = :by",
        condition: "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
        values: { ":now": now.toISOString(), ":by": revokedBy },
      });
      if (item) return toLink(item);
      return this.get(id);
    },

    async retarget(id, target) {
      await table.update(pkOf(id), SK, {
        expression: "SET objectKey = :key, defaultFilename = :name, productTitle = :title",
        condition:
          "attribute_exists(pk) AND (objectKey <> :key OR defaultFilename <> :name OR productTitle <> :title)",
        values: { ":key": target.objectKey, ":name": target.defaultFilename, ":title": target.productTitle },
      });
    },
  };
}
