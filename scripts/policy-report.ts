import { linkPolicy, loadConfig } from "#src/config.ts";
import { linkStatus } from "#src/domain/link.ts";
import { storedLinkViolations } from "#src/domain/link-policy.ts";
import { newTokenKeyEntry } from "#src/domain/token.ts";
import { createDynamoClient } from "#src/storage/dynamo-client.ts";
import { dynamoStores } from "#src/storage/dynamo-stores.ts";

/**
 * The links out of the deployment's link policy (LINK_* settings, docs/decisions/025-link-policies.md):
 * links made before a rule was set, or before it was tightened. They keep working; this lists them
 * (one line per link: id, owner, broken rules) so an administrator can ask their owners to change
 * them. Revoked, expired and used-up links are left out. The same rule answers the admins' route,
 * GET /api/admin/links-out-of-policy, a bounded page at a time.
 *
 *   AWS_REGION=eu-west-1 TABLE_NAME=evergate-prod-… LINK_MAX_EXPIRY_DAYS=30 npm run policy:report
 *
 * Reads the whole table (dynamodb:Scan): an operator's role, not the function's.
 */
const config = loadConfig({
  // Only the table and the policy are used: the settings this script does not need get placeholders.
  COGNITO_ISSUER: "http://unused.invalid",
  COGNITO_CLIENT_ID: "unused",
  TOKEN_KEYS: newTokenKeyEntry(),
});
const client = createDynamoClient({
  region: config.AWS_REGION,
  endpoint: config.DYNAMODB_ENDPOINT,
  maxAttempts: config.AWS_MAX_ATTEMPTS,
});
const policy = linkPolicy(config);
const now = new Date();
let checked = 0;
let outOfPolicy = 0;
console.log(`policy: ${JSON.stringify(policy)}`);
for await (const link of dynamoStores(client, config.TABLE_NAME).links.eachLink()) {
  if (linkStatus(link, now) !== "active") continue;
  checked++;
  const violations = storedLinkViolations(policy, link, now);
  if (violations.length === 0) continue;
  outOfPolicy++;
  console.log(
    `${link.id}\towner=${link.ownerId}\t${violations.map((violation) => violation.rule).join(",")}`,
  );
}
console.log(`${outOfPolicy} of ${checked} active links in ${config.TABLE_NAME} are out of policy`);
client.destroy();
