import { awsDeps } from "#src/aws-deps.ts";
import { loadConfig } from "#src/config.ts";
import { createLambdaHandler } from "#src/lambda/handler.ts";

/** The bundle's own copy of the SDK, as the app configures it: floor (b) of the redirect bench. */
export { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
export { createDynamoClient } from "#src/storage/dynamo-client.ts";

/**
 * The bench's twin of src/lambda/main.ts, built with the same buildLambda options: the same handler
 * and deps, except that the SDK clients' HTTP layer is handed in, so DynamoDB and S3 can be
 * answered (and counted) in-process.
 */
export function createHandler(requestHandler: NonNullable<Parameters<typeof awsDeps>[1]>["requestHandler"]) {
  return createLambdaHandler(awsDeps(loadConfig(), { requestHandler }));
}
