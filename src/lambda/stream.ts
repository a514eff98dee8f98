import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import type { AppDeps } from "../app-deps.ts";
import { errorFields } from "../logger.ts";
import { recordLinkEvents } from "../services/access-events.ts";
import { fanOut, linkHappenings, shopHappenings } from "../services/webhook-fanout.ts";
import { changeOf } from "../storage/stream-records.ts";

/**
 * The table's stream consumer (ReportBatchItemFailures): the same function in AWS (an event
 * source mapping on DynamoDB Streams) and locally (src/local/stream-poller.ts on the stand-in's
 * stream). Records are handled in order; at the first failure it stops and names that record, so
 * it and the records after it come again (their writes are idempotent). Each record becomes
 * access events (link items) and webhook deliveries (links, orders, products).
 */
export function createStreamHandler(deps: AppDeps) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    for (const record of event.Records) {
      const change = changeOf(record);
      try {
        const events = await recordLinkEvents(deps, change);
        await fanOut(deps, [...(await linkHappenings(deps, events)), ...shopHappenings(change)]);
      } catch (error) {
        deps.logger.error("stream record failed", {
          sequenceNumber: change.sequenceNumber,
          pk: change.pk.slice(0, 12),
          ...errorFields(error),
        });
        return { batchItemFailures: [{ itemIdentifier: change.sequenceNumber }] };
      }
    }
    return { batchItemFailures: [] };
  };
}
