import { loadConfig } from "#src/config.ts";
import { newTokenKeyEntry } from "#src/domain/token.ts";
import { createDynamoClient } from "#src/storage/dynamo-client.ts";
import { dynamoStores } from "#src/storage/dynamo-stores.ts";

/**
 * The migration of docs/decisions/015-keyed-token-tags.md: lists every link and API key in the
 * table (8-byte prefixes of their stored ids) so that legacy-format tokens not on the list cost
 * no DynamoDB call. Run it once after the deploy that introduced keyed tags has finished (from
 * then on nothing mints legacy tokens, so the list is closed); running it again is harmless.
 *
 *   AWS_REGION=eu-west-1 TABLE_NAME=evergate-prod-… npm run migrate:legacy-tokens
 *
 * Needs dynamodb:Scan, Query, PutItem and DeleteItem on the table (an operator's role, not the
 * function's). Instances load the list on the first legacy token they see, or within a minute.
 */
const config = loadConfig({
  // Only the table is used: the settings this script does not need get placeholders.
  COGNITO_ISSUER: "http://unused.invalid",
  COGNITO_CLIENT_ID: "unused",
  TOKEN_KEYS: newTokenKeyEntry(),
});
const client = createDynamoClient({
  region: config.AWS_REGION,
  endpoint: config.DYNAMODB_ENDPOINT,
  maxAttempts: config.AWS_MAX_ATTEMPTS,
});
const started = performance.now();
const count = await dynamoStores(client, config.TABLE_NAME).legacyTokens.rebuild();
console.log(
  `listed ${count} links and API keys of ${config.TABLE_NAME} in ${Math.round(performance.now() - started)} ms`,
);
client.destroy();
