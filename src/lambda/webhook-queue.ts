import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { AppDeps } from "../app-deps.ts";
import { errorFields } from "../logger.ts";
import { attemptDelivery } from "../services/webhook-delivery.ts";
import type { QueuedJob } from "../storage/sqs-webhook-queue.ts";

/**
 * The delivery queue's consumer (SQS, ReportBatchItemFailures). SQS delays a message 15 minutes
 * at most, so a job that is not due yet goes back with the time it still has to wait; a due job
 * gets its attempt. A receiver's failure is not an error here (the attempt schedules its retry);
 * an error of ours fails the message, which SQS retries and then moves to the DLQ.
 */
export function createWebhookQueueHandler(deps: AppDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    for (const record of event.Records) {
      try {
        const job = JSON.parse(record.body) as QueuedJob;
        const waitMs = Date.parse(job.notBefore) - deps.clock().getTime();
        const { notBefore: _due, ...next } = job;
        if (waitMs > 1000) await deps.webhookQueue.enqueue(next, Math.ceil(waitMs / 1000));
        else await attemptDelivery(deps, next);
      } catch (error) {
        deps.logger.error("webhook job failed", { messageId: record.messageId, ...errorFields(error) });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}
