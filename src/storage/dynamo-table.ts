import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { AppError } from "#src/domain/errors.ts";
import { callDependency } from "./dependency-errors.ts";
import type { Page, PageRequest } from "./ports.ts";

export type Item = Record<string, unknown>;

/** Attributes that exist only to place an item in the table and its indexes. */
const storageAttributes = new Set([
  "pk",
  "sk",
  "gsi1pk",
  "gsi1sk",
  "gsi2pk",
  "gsi2sk",
  "expiresAtEpoch",
  "holdsSlot",
]);

/** The record an item stores, without its key and index attributes. */
export function recordOf<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !storageAttributes.has(name))) as T;
}
export type IndexName = "gsi1" | "gsi2";

const marshallOptions = { removeUndefinedValues: true, convertClassInstanceToMap: false };

/**
 * The few single-table operations the stores need, each one SDK call. Conditional failures come
 * back as `false`/`null` rather than exceptions, since they are an expected outcome.
 */
export class DynamoTable {
  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  async get(pk: string, sk: string): Promise<Item | null> {
    const result = await callDependency("dynamodb", () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk }, sk: { S: sk } },
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item ? unmarshall(result.Item) : null;
  }

  /** Puts the item; with a condition, answers false when the condition fails. */
  async put(item: Item, condition?: { expression: string; values?: Item; names?: Record<string, string> }) {
    try {
      await callDependency("dynamodb", () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: marshall(item, marshallOptions),
            ConditionExpression: condition?.expression,
            ExpressionAttributeValues: condition?.values
              ? marshall(condition.values, marshallOptions)
              : undefined,
            ExpressionAttributeNames: condition?.names,
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Runs an UpdateItem returning the new item, or null when its condition fails. */
  async update(
    pk: string,
    sk: string,
    update: {
      expression: string;
      condition?: string;
      values?: Item;
      names?: Record<string, string>;
    },
  ): Promise<Item | null> {
    const input: UpdateItemCommandInput = {
      TableName: this.tableName,
      Key: { pk: { S: pk }, sk: { S: sk } },
      UpdateExpression: update.expression,
      ConditionExpression: update.condition,
      ExpressionAttributeValues: update.values ? marshall(update.values, marshallOptions) : undefined,
      ExpressionAttributeNames: update.names,
      ReturnValues: "ALL_NEW",
    };
    try {
      const result = await callDependency("dynamodb", () => this.client.send(new UpdateItemCommand(input)));
      return result.Attributes ? unmarshall(result.Attributes) : null;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  async delete(pk: string, sk: string): Promise<void> {
    await callDependency("dynamodb", () =>
      this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: { pk: { S: pk }, sk: { S: sk } } }),
      ),
    );
  }

  /** Deletes the item if the condition holds; false when it does not (or the item is gone). */
  async deleteIf(pk: string, sk: string, condition: { expression: string; values?: Item }): Promise<boolean> {
    try {
      await callDependency("dynamodb", () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: pk }, sk: { S: sk } },
            ConditionExpression: condition.expression,
            ExpressionAttributeValues: condition.values
              ? marshall(condition.values, marshallOptions)
              : undefined,
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Deletes the items (gone ones are no error), 25 to a BatchWriteItem, retrying what is left over. */
  async deleteMany(keys: Array<{ pk: string; sk: string }>): Promise<void> {
    for (let start = 0; start < keys.length; start += 25) {
      let pending: WriteRequest[] = keys.slice(start, start + 25).map(({ pk, sk }) => ({
        DeleteRequest: { Key: { pk: { S: pk }, sk: { S: sk } } },
      }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 5) throw new Error("BatchWriteItem left items unprocessed after retries");
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const result = await callDependency("dynamodb", () =>
          this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } })),
        );
        pending = result.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }

  /** Queries one partition of a GSI (or the table), newest first by default. */
  async query(
    index: IndexName | undefined,
    partition: string,
    page: PageRequest,
    options: {
      ascending?: boolean;
      sortKeyBelow?: string;
      sortKeyPrefix?: string;
      /** Keeps only the items whose `name` is `value` (a filter: the page may come back short). */
      where?: { name: string; value: string };
    } = {},
  ): Promise<Page<Item>> {
    const pkName = index ? `${index}pk` : "pk";
    const skName = index ? `${index}sk` : "sk";
    const startKey = decodeCursor(
      page.cursor,
      index ? ["pk", "sk", pkName, skName] : ["pk", "sk"],
      pkName,
      partition,
    );
    const values: Record<string, AttributeValue> = { ":pk": { S: partition } };
    let keyCondition = "#pk = :pk";
    const names: Record<string, string> = { "#pk": pkName };
    if (options.sortKeyBelow !== undefined) {
      keyCondition += " AND #sk < :below";
      names["#sk"] = skName;
      values[":below"] = { S: options.sortKeyBelow };
    }
    if (options.sortKeyPrefix !== undefined) {
      keyCondition += " AND begins_with(#sk, :prefix)";
      names["#sk"] = skName;
      values[":prefix"] = { S: options.sortKeyPrefix };
    }
    if (options.where) {
      names["#where"] = options.where.name;
      values[":where"] = { S: options.where.value };
    }
    const result = await callDependency("dynamodb", () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index,
          FilterExpression: options.where ? "#where = :where" : undefined,
          // Indexes can only be read eventually consistent; the table itself, strongly.
          ConsistentRead: index === undefined,
          KeyConditionExpression: keyCondition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: options.ascending ?? false,
          Limit: page.limit,
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    const found = result.Items ?? [];
    const items = index ? await this.itemsFor(found) : found.map((item) => unmarshall(item));
    return {
      items,
      nextCursor: result.LastEvaluatedKey ? encodeCursor(result.LastEvaluatedKey) : undefined,
    };
  }

  /**
   * One page of an index partition, newest first, starting after `start` (an item's table and
   * index keys) with the items read in full; `last` is DynamoDB's LastEvaluatedKey, to go on from.
   */
  async queryAfter(
    index: IndexName,
    partition: string,
    limit: number,
    start?: Record<string, string>,
  ): Promise<{ items: Item[]; last?: Record<string, string> }> {
    const result = await callDependency("dynamodb", () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": `${index}pk` },
          ExpressionAttributeValues: { ":pk": { S: partition } },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: start ? marshall(start) : undefined,
        }),
      ),
    );
    return {
      items: await this.itemsFor(result.Items ?? []),
      last: result.LastEvaluatedKey
        ? (unmarshall(result.LastEvaluatedKey) as Record<string, string>)
        : undefined,
    };
  }

  /**
   * The indexes project keys only, so a redirect's counter update writes no index entry (1 write
   * unit, not 3). A list page pays for that with one BatchGetItem of its items, in index order.
   */
  private async itemsFor(keys: Record<string, AttributeValue>[]): Promise<Item[]> {
    if (keys.length === 0) return [];
    const byKey = new Map<string, Item>();
    let pending: Record<string, AttributeValue>[] = keys.map((key) => ({
      pk: key.pk as AttributeValue,
      sk: key.sk as AttributeValue,
    }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      if (attempt > 5) throw new Error("BatchGetItem left keys unprocessed after retries");
      const result = await callDependency("dynamodb", () =>
        this.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        ),
      );
      for (const raw of result.Responses?.[this.tableName] ?? []) {
        const item = unmarshall(raw);
        byKey.set(`${item.pk}\u0000${item.sk}`, item);
      }
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    // An item deleted between the index query and the read simply drops out of the page.
    return keys.flatMap((key): Item[] => {
      const item = byKey.get(`${key.pk?.S}\u0000${key.sk?.S}`);
      return item ? [item] : [];
    });
  }

  async describe(): Promise<void> {
    await callDependency("dynamodb", () =>
      this.client.send(new DescribeTableCommand({ TableName: this.tableName })),
    );
  }
}

function encodeCursor(key: Record<string, AttributeValue>): string {
  return Buffer.from(JSON.stringify(unmarshall(key))).toString("base64url");
}

/** Cursors are opaque to callers; one that names another partition is refused, not followed. */
function decodeCursor(
  cursor: string | undefined,
  keyNames: string[],
  pkName: string,
  partition: string,
): Record<string, AttributeValue> | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => new AppError("invalid_request", "The cursor is not valid for this list.");
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (
    typeof decoded !== "object" ||
    decoded === null ||
    Array.isArray(decoded) ||
    (decoded as Item)[pkName] !== partition ||
    Object.keys(decoded).sort().join() !== [...keyNames].sort().join() ||
    !Object.values(decoded).every(
      (value) => typeof value === "string" && value.length > 0 && value.length <= 512,
    )
  ) {
    throw invalid();
  }
  return marshall(decoded as Item);
}
