import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { dynamoApiKeyStore } from "./dynamo-api-keys.ts";
import { dynamoEventStore } from "./dynamo-events.ts";
import { dynamoFileStore } from "./dynamo-files.ts";
import { dynamoIdempotencyStore } from "./dynamo-idempotency.ts";
import { dynamoLegacyTokenListStore } from "./dynamo-legacy-tokens.ts";
import { dynamoLinkJobStore } from "./dynamo-link-jobs.ts";
import { dynamoLinkStore } from "./dynamo-links.ts";
import { dynamoOrderStore } from "./dynamo-orders.ts";
import { dynamoProductStore } from "./dynamo-products.ts";
import { DynamoTable } from "./dynamo-table.ts";
import { dynamoUploadStore } from "./dynamo-uploads.ts";
import { dynamoWebhookStore } from "./dynamo-webhooks.ts";
import type { Stores } from "./ports.ts";

export function dynamoStores(client: DynamoDBClient, tableName: string): Stores {
  const table = new DynamoTable(client, tableName);
  return {
    links: dynamoLinkStore(table),
    products: dynamoProductStore(table),
    orders: dynamoOrderStore(table),
    apiKeys: dynamoApiKeyStore(table),
    uploads: dynamoUploadStore(table),
    files: dynamoFileStore(table),
    linkJobs: dynamoLinkJobStore(table),
    legacyTokens: dynamoLegacyTokenListStore(table),
    events: dynamoEventStore(table),
    webhooks: dynamoWebhookStore(table),
    idempotency: dynamoIdempotencyStore(table),
    ping: () => table.describe(),
  };
}
