import {
  type AttributeValue,
  ConditionalCheckFailedException,
  UpdateItemCommand,
  type UpdateItemCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { epochSeconds, type GraceSlot, graceSlotOf } from "#src/domain/download-hit.ts";
import type { Link } from "#src/domain/link.ts";
import { callDependency } from "./dependency-errors.ts";
import { type DynamoTable, type Item, recordOf } from "./dynamo-table.ts";
import type { LinkChanges, LinkStore, Page, PageRequest } from "./ports.ts";

const SK = "LINK";
const pkOf = (id: string) => `LINK#${id}`;

const pointerSk = (ownerId: string, id: string) => `LINK#${ownerId}#${id}`;

/**
 * The gateway's one round trip per hit (src/gateway/decide-hit.ts states the same rule as
 * `countsOn`): count only an active link, a limited one only on a POST, and not for a client
 * inside its grace (or whose own write already applied: a retry). The slot of that client is
 * set only by a counted hit, so the grace never slides.
 */
function hitCondition(slot: number, spendLimited: boolean): string {
  return (
    "attribute_exists(pk) AND attribute_not_exists(revokedAt) " +
    "AND (attribute_not_exists(expiresAt) OR expiresAt > :now) " +
    (spendLimited
      ? "AND (attribute_not_exists(maxDownloads) OR downloadCount < maxDownloads) "
      : "AND attribute_not_exists(maxDownloads) ") +
    `AND NOT (gc${slot} = :client AND (gu${slot} > :t OR gr${slot} = :request))`
  );
}

/** The grace slots' attributes (gc0, gu0, gr0, …) stay in storage: the Link never carries them. */
const SLOT_ATTRIBUTE = /^g[cur]\d$/;

function toLink(item: Item): Link {
  const record = recordOf<Link & Record<string, unknown>>(item);
  for (const name of Object.keys(record)) if (SLOT_ATTRIBUTE.test(name)) delete record[name];
  return record;
}

function slotOf(item: Item, slot: number): GraceSlot | undefined {
  const client = item[`gc${slot}`];
  const until = item[`gu${slot}`];
  const request = item[`gr${slot}`];
  if (typeof client !== "string" || typeof until !== "number" || typeof request !== "string")
    return undefined;
  return { client, until, request };
}

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

    async hit(id, hit) {
      const slot = graceSlotOf(hit.client);
      // Hand-built attribute values: this runs on every download, so it skips marshall().
      const values: Record<string, AttributeValue> = {
        ":one": { N: "1" },
        ":now": { S: hit.now.toISOString() },
        ":t": { N: String(epochSeconds(hit.now)) },
        ":client": { S: hit.client },
        ":request": { S: hit.requestId },
        ":grace": { N: String(hit.defaultGraceSeconds) },
      };
      let result: UpdateItemCommandOutput;
      try {
        result = await callDependency("dynamodb", () =>
          table.client.send(
            new UpdateItemCommand({
              TableName: table.tableName,
              Key: { pk: { S: pkOf(id) }, sk: { S: SK } },
              UpdateExpression:
                "SET downloadCount = downloadCount + :one, lastDownloadAt = :now, " +
                `gc${slot} = :client, gu${slot} = if_not_exists(graceSeconds, :grace) + :t, gr${slot} = :request`,
              ConditionExpression: hitCondition(slot, hit.method === "POST"),
              ExpressionAttributeValues: values,
              ReturnValues: "ALL_NEW",
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          ),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const item = error.Item ? unmarshall(error.Item) : undefined;
        return {
          counted: false,
          link: item ? toLink(item) : null,
          slot: item ? slotOf(item, slot) : undefined,
        };
      }
      if (!result.Attributes) throw new Error("UpdateItem counted a download but returned no item");
      return { counted: true, link: toLink(unmarshall(result.Attributes)) };
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
      for (const field of ["label", "expiresAt", "maxDownloads", "graceSeconds"] as const) {
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
