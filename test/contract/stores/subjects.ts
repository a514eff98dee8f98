import { type DynamoStandIn, startDynamoStandIn } from "#src/local/dynamo-stand-in.ts";
import { ensureTable } from "#src/local/provision.ts";
import { createDynamoClient } from "#src/storage/dynamo-client.ts";
import { dynamoStores } from "#src/storage/dynamo-stores.ts";
import { memoryStores } from "#src/storage/memory-stores.ts";
import type { Stores } from "#src/storage/ports.ts";

/** An implementation of the stores the contract runs on: `fresh()` gives empty stores for one case. */
export interface StoreSubject {
  name: string;
  start(): Promise<void>;
  fresh(): Promise<Stores>;
  stop(): Promise<void>;
}

export const memorySubject: StoreSubject = {
  name: "memory stores",
  start: async () => {},
  fresh: async () => memoryStores(),
  stop: async () => {},
};

/** The DynamoDB stores on the embedded dynalite, each case on a table of its own (CreateTable is ~ms). */
export function dynamoSubject(): StoreSubject {
  let standIn: DynamoStandIn | undefined;
  let client: ReturnType<typeof createDynamoClient> | undefined;
  let tables = 0;
  return {
    name: "DynamoDB stores on dynalite",
    async start() {
      standIn = await startDynamoStandIn();
      client = createDynamoClient({
        region: "us-east-1",
        endpoint: standIn.endpoint,
        credentials: { accessKeyId: "contract", secretAccessKey: "contract" },
      });
    },
    async fresh() {
      if (!client) throw new Error("dynamoSubject: start() first");
      const tableName = `contract-${++tables}`;
      await ensureTable(client, tableName);
      return dynamoStores(client, tableName);
    },
    async stop() {
      client?.destroy();
      await standIn?.stop();
    },
  };
}
