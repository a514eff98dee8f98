import { type AttributeValue, QueryCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { AccessEvent, AccessEventKind, ClientClass, HitOutcome } from "#src/domain/access-event.ts";
import { callDependency } from "./dependency-errors.ts";
import { type DynamoTable, type Item, recordOf } from "./dynamo-table.ts";
import type { EventStore } from "./ports.ts";

const linkPartition = (linkId: string) => `EVENTS#${linkId}`;
const productPartition = (productId: string) => `PRODUCT_EVENTS#${productId}`;

/**
 * The product index projects keys only, so its sort key carries what the stats need
 * (time, kind, outcome, client class, country, client id): a product's stats read the index
 * alone, with no item reads after it.
 */
const productSortKey = (event: AccessEvent) =>
  [
    event.at,
    event.kind,
    event.outcome ?? "",
    event.client?.class ?? "",
    event.country ?? "",
    event.clientId ?? "",
    event.id,
    // A hot link's summary (ADR 024); absent (one download) on every other event.
    ...(event.count ? [String(event.count)] : []),
  ].join("#");

function fromProductSortKey(productId: string, sortKey: string): AccessEvent {
  const [at = "", kind, outcome, clientClass, country, clientId, id = "", count] = sortKey.split("#");
  return {
    id,
    linkId: "",
    ownerId: "",
    productId,
    at,
    kind: kind as AccessEventKind,
    ...(outcome ? { outcome: outcome as HitOutcome } : {}),
    ...(clientClass ? { client: { class: clientClass as ClientClass } } : {}),
    ...(country ? { country } : {}),
    ...(clientId ? { clientId } : {}),
    ...(count ? { count: Number(count) } : {}),
  };
}

export function dynamoEventStore(table: DynamoTable): EventStore {
  return {
    async put(event, expiresAt) {
      await table.put(
        {
          pk: linkPartition(event.linkId),
          sk: `${event.at}#${event.id}`,
          gsi2pk: productPartition(event.productId),
          gsi2sk: productSortKey(event),
          expiresAtEpoch: Math.floor(expiresAt.getTime() / 1000),
          ...event,
        },
        // A record the stream delivers again finds its event written: nothing changes.
        { expression: "attribute_not_exists(pk)" },
      );
    },

    async listByLink(linkId, query) {
      const page = await table.query(
        undefined,
        linkPartition(linkId),
        { limit: query.limit, cursor: query.cursor },
        query.outcome ? { where: { name: "outcome", value: query.outcome } } : {},
      );
      return { items: page.items.map((item) => recordOf<AccessEvent>(item)), nextCursor: page.nextCursor };
    },

    async since(scope, since, max) {
      const byProduct = "productId" in scope;
      const partition = byProduct ? productPartition(scope.productId) : linkPartition(scope.linkId);
      const events: AccessEvent[] = [];
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const result = await callDependency("dynamodb", () =>
          table.client.send(
            new QueryCommand({
              TableName: table.tableName,
              IndexName: byProduct ? "gsi2" : undefined,
              ConsistentRead: !byProduct,
              KeyConditionExpression: "#pk = :pk AND #sk >= :since",
              ExpressionAttributeNames: {
                "#pk": byProduct ? "gsi2pk" : "pk",
                "#sk": byProduct ? "gsi2sk" : "sk",
              },
              ExpressionAttributeValues: { ":pk": { S: partition }, ":since": { S: since.toISOString() } },
              ScanIndexForward: false,
              Limit: Math.min(1000, max - events.length),
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        for (const raw of result.Items ?? []) {
          const item: Item = unmarshall(raw);
          events.push(
            byProduct
              ? fromProductSortKey(String(item.gsi2pk).slice("PRODUCT_EVENTS#".length), String(item.gsi2sk))
              : recordOf<AccessEvent>(item),
          );
        }
        startKey = result.LastEvaluatedKey;
      } while (startKey && events.length < max);
      return events;
    },
  };
}
