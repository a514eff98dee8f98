import { SendMessageCommand, SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";
import type { DeliveryJob, WebhookQueue } from "#src/app-deps.ts";
import { callDependency } from "./dependency-errors.ts";

/** SQS holds a message back at most 15 minutes; longer waits hop through the queue. */
export const SQS_MAX_DELAY_SECONDS = 900;

/** A job as it travels in SQS: with the time before which it must not be attempted. */
export interface QueuedJob extends DeliveryJob {
  notBefore: string;
}

export function sqsWebhookQueue(
  queueUrl: string,
  clientConfig: SQSClientConfig,
  clock: () => Date,
): WebhookQueue {
  const client = new SQSClient(clientConfig);
  return {
    async enqueue(job, delaySeconds) {
      const notBefore = new Date(clock().getTime() + delaySeconds * 1000).toISOString();
      await callDependency("sqs", () =>
        client.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: JSON.stringify({ ...job, notBefore } satisfies QueuedJob),
            DelaySeconds: Math.max(0, Math.min(SQS_MAX_DELAY_SECONDS, Math.ceil(delaySeconds))),
          }),
        ),
      );
    },
  };
}
