import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DynamoStandIn, startDynamoStandIn } from "#src/local/dynamo-stand-in.ts";
import { ensureTable } from "#src/local/provision.ts";
import { pollStream } from "#src/local/stream-poller.ts";

const tableName = "stream-test";
let standIn: DynamoStandIn;
let client: DynamoDBClient;

beforeAll(async () => {
  standIn = await startDynamoStandIn();
  client = new DynamoDBClient({
    region: "us-east-1",
    endpoint: standIn.endpoint,
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  await ensureTable(client, tableName);
});
afterAll(async () => {
  client.destroy();
  await standIn.stop();
});

/** Records the stream emits while `act` runs. */
async function recordsOf(act: () => Promise<unknown>): Promise<DynamoDBRecord[]> {
  const records: DynamoDBRecord[] = [];
  const unsubscribe = standIn.stream.subscribe((record) => records.push(record));
  try {
    await act();
  } finally {
    unsubscribe();
  }
  return records;
}

const key = (pk: string) => ({ pk: { S: pk }, sk: { S: "ITEM" } });

describe("the DynamoDB stand-in's change stream", () => {
  it("PutItem of a new item yields INSERT with keys and the new image", async () => {
    const [record, ...rest] = await recordsOf(() =>
      client.send(new PutItemCommand({ TableName: tableName, Item: { ...key("a"), n: { N: "1" } } })),
    );
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      eventName: "INSERT",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      dynamodb: {
        Keys: key("a"),
        NewImage: { ...key("a"), n: { N: "1" } },
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
    });
    expect(record?.dynamodb?.OldImage).toBeUndefined();
    expect(record?.dynamodb?.SequenceNumber).toMatch(/^\d{21,40}$/);
    expect(Math.abs((record?.dynamodb?.ApproximateCreationDateTime ?? 0) - Date.now() / 1000)).toBeLessThan(
      5,
    );
  });

  it("PutItem over an item yields MODIFY with both images", async () => {
    const [record] = await recordsOf(() =>
      client.send(new PutItemCommand({ TableName: tableName, Item: { ...key("a"), n: { N: "2" } } })),
    );
    expect(record).toMatchObject({
      eventName: "MODIFY",
      dynamodb: { OldImage: { n: { N: "1" } }, NewImage: { n: { N: "2" } } },
    });
  });

  it("UpdateItem, conditional included, yields MODIFY; a refused conditional write yields nothing", async () => {
    const records = await recordsOf(async () => {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key("a"),
          UpdateExpression: "SET n = n + :one",
          ConditionExpression: "n < :max",
          ExpressionAttributeValues: { ":one": { N: "1" }, ":max": { N: "3" } },
        }),
      );
      await expect(
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key("a"),
            UpdateExpression: "SET n = n + :one",
            ConditionExpression: "n < :max",
            ExpressionAttributeValues: { ":one": { N: "1" }, ":max": { N: "3" } },
          }),
        ),
      ).rejects.toThrow(/conditional request failed/i);
    });
    expect(records.map((record) => record.eventName)).toEqual(["MODIFY"]);
    expect(records[0]?.dynamodb).toMatchObject({ OldImage: { n: { N: "2" } }, NewImage: { n: { N: "3" } } });
  });

  it("UpdateItem of a missing item yields INSERT; a write that changes nothing yields nothing", async () => {
    const records = await recordsOf(async () => {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key("u"),
          UpdateExpression: "SET n = :n",
          ExpressionAttributeValues: { ":n": { N: "7" } },
        }),
      );
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key("u"),
          UpdateExpression: "SET n = :n",
          ExpressionAttributeValues: { ":n": { N: "7" } },
        }),
      );
    });
    expect(records.map((record) => record.eventName)).toEqual(["INSERT"]);
  });

  it("DeleteItem yields REMOVE with the old image; deleting nothing yields nothing", async () => {
    const records = await recordsOf(async () => {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: key("u") }));
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: key("never-there") }));
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      eventName: "REMOVE",
      dynamodb: { Keys: key("u"), OldImage: { n: { N: "7" } } },
    });
    expect(records[0]?.dynamodb?.NewImage).toBeUndefined();
  });

  it("BatchWriteItem yields one record per put and delete", async () => {
    const records = await recordsOf(() =>
      client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [tableName]: [
              { PutRequest: { Item: { ...key("b1"), n: { N: "1" } } } },
              { PutRequest: { Item: { ...key("b2"), n: { N: "1" } } } },
              { DeleteRequest: { Key: key("a") } },
            ],
          },
        }),
      ),
    );
    expect(records.map((record) => record.eventName).sort()).toEqual(["INSERT", "INSERT", "REMOVE"]);
  });

  it("TTL: expireItems deletes items whose epoch has passed, with REMOVE records", async () => {
    const now = Math.floor(Date.now() / 1000);
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { ...key("old"), ttl: { N: String(now - 1) } } }),
    );
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { ...key("young"), ttl: { N: String(now + 600) } } }),
    );
    const records = await recordsOf(async () => {
      expect(await standIn.expireItems(tableName, "ttl")).toBe(1);
    });
    expect(records.map((record) => [record.eventName, record.dynamodb?.Keys?.pk?.S])).toEqual([
      ["REMOVE", "old"],
    ]);
  });
});

describe("the local event source mapping (pollStream)", () => {
  it("delivers thousands of writes in batches, in write order per item key", async () => {
    const seen: string[] = [];
    const batchSizes: number[] = [];
    const poller = pollStream(
      standIn.stream,
      async (event) => {
        batchSizes.push(event.Records.length);
        for (const record of event.Records) {
          seen.push(`${record.dynamodb?.Keys?.pk?.S}:${record.dynamodb?.NewImage?.n?.N}`);
        }
        return { batchItemFailures: [] };
      },
      { batchSize: 100, onFailure: () => expect.fail("nothing should fail") },
    );
    const keys = 20;
    const writesPerKey = 50;
    await Promise.all(
      Array.from({ length: keys }, async (_, k) => {
        for (let n = 1; n <= writesPerKey; n++) {
          await client.send(
            new PutItemCommand({ TableName: tableName, Item: { ...key(`o${k}`), n: { N: String(n) } } }),
          );
        }
      }),
    );
    await poller.idle();
    await poller.stop();
    expect(seen).toHaveLength(keys * writesPerKey);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(100);
    for (let k = 0; k < keys; k++) {
      const ofKey = seen
        .filter((entry) => entry.startsWith(`o${k}:`))
        .map((entry) => Number(entry.split(":")[1]));
      expect(ofKey).toEqual(Array.from({ length: writesPerKey }, (_, i) => i + 1));
    }
  });

  it("retries from the earliest failed record, then hands the rest to the failure destination", async () => {
    const deliveries: string[][] = [];
    const failures: Array<{ records: string[]; reason: string }> = [];
    const poller = pollStream(
      standIn.stream,
      async (event: DynamoDBStreamEvent) => {
        const pks = event.Records.map((record) => record.dynamodb?.Keys?.pk?.S ?? "");
        deliveries.push(pks);
        const failing = event.Records.filter((record) =>
          (record.dynamodb?.Keys?.pk?.S ?? "").startsWith("poison"),
        );
        return {
          batchItemFailures: failing.map((record) => ({
            itemIdentifier: record.dynamodb?.SequenceNumber ?? "",
          })),
        };
      },
      {
        batchSize: 10,
        batchingWindowMs: 50,
        maxRetries: 2,
        retryDelayMs: 5,
        onFailure: (records, reason) =>
          failures.push({ records: records.map((record) => record.dynamodb?.Keys?.pk?.S ?? ""), reason }),
      },
    );
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [tableName]: ["r1", "r2", "poison", "r3"].map((pk) => ({ PutRequest: { Item: { ...key(pk) } } })),
        },
      }),
    );
    await poller.idle();
    await poller.stop();
    const order = deliveries[0] ?? [];
    const poisonAt = order.indexOf("poison");
    expect(order).toHaveLength(4);
    // first try: all four; two retries: from the poisoned record on
    expect(deliveries).toEqual([order, order.slice(poisonAt), order.slice(poisonAt)]);
    expect(failures).toEqual([
      { records: order.slice(poisonAt), reason: "handler reported 1 failed record(s)" },
    ]);
  });

  it("retries a batch whose handler throws", async () => {
    let calls = 0;
    const poller = pollStream(
      standIn.stream,
      async () => {
        calls++;
        if (calls === 1) throw new Error("cold start hiccup");
        return { batchItemFailures: [] };
      },
      { retryDelayMs: 5, onFailure: () => expect.fail("the retry succeeds") },
    );
    await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key("throw") } }));
    await poller.idle();
    await poller.stop();
    expect(calls).toBe(2);
  });
});
