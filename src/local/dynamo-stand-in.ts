import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DeleteItemCommand,
  DynamoDBClient,
  ScanCommand,
  type ScanCommandOutput,
} from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { closeServer } from "./close-server.ts";
import { type DynamoStream, dynamoStream } from "./dynamo-stream.ts";
import { pausable, type Restartable } from "./pausable-server.ts";

export interface DynamoStandIn {
  endpoint: string;
  /** DynamoDB API calls received so far, all or of one operation ("GetItem"): tests count reads with it. */
  requestCount(operation?: string): number;
  /** Calls the listener with each incoming operation's name, before it runs; returns the unsubscribe. */
  onRequest(listener: (operation: string) => void): () => void;
  /** Stop and start it again on the same port, keeping its data (fault tests). */
  restartable: Restartable;
  /** The change stream (DynamoDB Streams records, NEW_AND_OLD_IMAGES) dynalite lacks. */
  stream: DynamoStream;
  /**
   * Time to live, which dynalite lacks: deletes the items whose `attribute` (epoch seconds) is at
   * or before `now`, as DynamoDB's TTL does in the background (REMOVE records on the stream).
   */
  expireItems(tableName: string, attribute: string, now?: Date): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts dynalite, an in-process DynamoDB, on 127.0.0.1 and a free port.
 * Without `path` the data lives in memory; with it, in a LevelDB directory that survives restarts.
 */
export async function startDynamoStandIn(
  options: { path?: string; region?: string } = {},
): Promise<DynamoStandIn> {
  const stream = dynamoStream({ region: options.region ?? "us-east-1" });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    onChange: stream.onChange,
    ...(options.path ? { path: options.path } : {}),
  });
  const counts = new Map<string, number>();
  let total = 0;
  const listeners = new Set<(operation: string) => void>();
  server.prependListener("request", (request: IncomingMessage) => {
    // X-Amz-Target is "DynamoDB_20120810.GetItem"
    const operation = String(request.headers["x-amz-target"] ?? "").split(".")[1] ?? "unknown";
    total++;
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    for (const listener of listeners) listener(operation);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((error: Error) => {
    throw new Error(`DynamoDB stand-in (dynalite) failed to listen: ${error.message}`, { cause: error });
  });
  const { port } = server.address() as AddressInfo;
  const restartable = pausable(server);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    region: options.region ?? "us-east-1",
    endpoint,
    credentials: { accessKeyId: "stand-in", secretAccessKey: "stand-in" },
  });
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    requestCount: (operation) => (operation === undefined ? total : (counts.get(operation) ?? 0)),
    onRequest: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    restartable,
    stream,
    expireItems: (tableName, attribute, now = new Date()) => expireItems(client, tableName, attribute, now),
    stop: () => {
      // dynalite's own close() closes its database too, so a stopped stand-in is started first
      stopping ??= restartable.start().then(() => {
        client.destroy();
        return closeServer(server);
      });
      return stopping;
    },
  };
}

/** One pass of TTL: scan for expired items, delete each unless its TTL moved meanwhile. */
async function expireItems(client: DynamoDBClient, tableName: string, attribute: string, now: Date) {
  const nowEpoch = { N: String(Math.floor(now.getTime() / 1000)) };
  let deleted = 0;
  let startKey: ScanCommandOutput["LastEvaluatedKey"];
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: "#ttl <= :now",
        ExpressionAttributeNames: { "#ttl": attribute },
        ExpressionAttributeValues: { ":now": nowEpoch },
        ProjectionExpression: "pk, sk",
        ExclusiveStartKey: startKey,
      }),
    );
    for (const key of page.Items ?? []) {
      await client
        .send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: key,
            ConditionExpression: "#ttl <= :now",
            ExpressionAttributeNames: { "#ttl": attribute },
            ExpressionAttributeValues: { ":now": nowEpoch },
          }),
        )
        .then(
          () => deleted++,
          (error: Error) => {
            if (error.name !== "ConditionalCheckFailedException") throw error;
          },
        );
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
}
