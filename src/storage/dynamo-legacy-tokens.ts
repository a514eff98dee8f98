import { type AttributeValue, paginateQuery, paginateScan } from "@aws-sdk/client-dynamodb";
import { callDependency } from "./dependency-errors.ts";
import type { DynamoTable } from "./dynamo-table.ts";
import type { LegacyTokenListStore } from "./ports.ts";

/** The list lives in one partition, in chunks well under DynamoDB's 400 KB item limit. */
const PARTITION = "LEGACY_TOKENS";
const IDS_PER_CHUNK = 40_000;
const ID_BYTES = 8;
const chunkSk = (index: number) => `CHUNK#${String(index).padStart(6, "0")}`;

/** Ids of every link and API key in the table: 8-byte prefixes of their SHA-256, sorted. */
async function scanIssuedPrefixes(table: DynamoTable): Promise<BigUint64Array> {
  const prefixes: bigint[] = [];
  const pages = paginateScan(
    { client: table.client },
    {
      TableName: table.tableName,
      ProjectionExpression: "pk",
      FilterExpression:
        "(begins_with(pk, :link) AND sk = :linkSk) OR (begins_with(pk, :key) AND sk = :keySk)",
      ExpressionAttributeValues: {
        ":link": { S: "LINK#" },
        ":linkSk": { S: "LINK" },
        ":key": { S: "APIKEY#" },
        ":keySk": { S: "APIKEY" },
      },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const pk = item.pk?.S ?? "";
      const id = pk.slice(pk.indexOf("#") + 1);
      prefixes.push(Buffer.from(id, "base64url").readBigUInt64BE(0));
    }
  }
  return BigUint64Array.from(prefixes).sort();
}

export function dynamoLegacyTokenListStore(table: DynamoTable): LegacyTokenListStore {
  const chunkKeys = async () => {
    const keys: string[] = [];
    for await (const page of paginateQuery(
      { client: table.client },
      {
        TableName: table.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: PARTITION } },
        ProjectionExpression: "sk",
        ConsistentRead: true,
      },
    )) {
      for (const item of page.Items ?? []) keys.push(item.sk?.S ?? "");
    }
    return keys;
  };
  return {
    async load() {
      const chunks: Uint8Array[] = [];
      let found = false;
      await callDependency("dynamodb", async () => {
        for await (const page of paginateQuery(
          { client: table.client },
          {
            TableName: table.tableName,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": { S: PARTITION } },
            ConsistentRead: true,
          },
        )) {
          for (const item of page.Items ?? []) {
            found = true;
            const ids = (item.ids as AttributeValue | undefined)?.B;
            if (ids) chunks.push(ids);
          }
        }
      });
      if (!found) return null;
      const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
      let offset = 0;
      for (const chunk of chunks) {
        all.set(chunk, offset);
        offset += chunk.length;
      }
      const view = new DataView(all.buffer);
      return BigUint64Array.from({ length: all.length / ID_BYTES }, (_, i) =>
        view.getBigUint64(i * ID_BYTES),
      );
    },
    async rebuild() {
      const ids = await scanIssuedPrefixes(table);
      const stale = new Set(await chunkKeys());
      // Always one chunk, even empty: "a list with no ids" differs from "no list yet".
      const chunkCount = Math.max(1, Math.ceil(ids.length / IDS_PER_CHUNK));
      for (let index = 0; index < chunkCount; index++) {
        const slice = ids.subarray(index * IDS_PER_CHUNK, (index + 1) * IDS_PER_CHUNK);
        const bytes = new Uint8Array(slice.length * ID_BYTES);
        const view = new DataView(bytes.buffer);
        for (const [i, id] of slice.entries()) view.setBigUint64(i * ID_BYTES, id);
        await table.put({ pk: PARTITION, sk: chunkSk(index), ids: bytes, count: slice.length });
        stale.delete(chunkSk(index));
      }
      for (const sk of stale) await table.delete(PARTITION, sk);
      return ids.length;
    },
  };
}
