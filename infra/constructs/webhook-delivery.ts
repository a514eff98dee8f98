import { Duration } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { Stage } from "../stage.ts";
import { evergateFunction } from "./evergate-function.ts";

/** One attempt may wait WEBHOOK_TIMEOUT_MS (5 s) per receiver; a batch of 10 fits well within this. */
const DELIVERY_TIMEOUT = Duration.seconds(90);

/** Receives of one message before it is parked: our own errors only (a receiver's failure is a retry job). */
export const DELIVERY_MAX_RECEIVES = 5;

export interface WebhookQueueProps {
  stage: Stage;
}

/**
 * The queue webhook attempts wait in (ADR 022): a job is a (webhook, delivery) pair and the time
 * before which it must not run; SQS delays it up to 15 minutes a hop. Made before the functions
 * that send to it (the API's redeliver and ping, the consumer's fan-out, the delivery function's
 * retries), so each gets WEBHOOK_QUEUE_URL.
 */
export class WebhookQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, _props: WebhookQueueProps) {
    super(scope, id);
    this.deadLetters = new sqs.Queue(this, "DeadLetters", {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new sqs.Queue(this, "Queue", {
      // Six times the consumer's timeout, as Lambda's SQS event source asks.
      visibilityTimeout: Duration.seconds(DELIVERY_TIMEOUT.toSeconds() * 6),
      // The last retry is ~27.6 h after the event, in hops of 15 min at most: keep a job 4 days.
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: DELIVERY_MAX_RECEIVES },
    });
  }

  /** A function that queues attempts: its WEBHOOK_QUEUE_URL and the right to send (nothing else). */
  allowSendingFrom(fn: lambda.Function): void {
    this.queue.grantSendMessages(fn);
    fn.addEnvironment("WEBHOOK_QUEUE_URL", this.queue.queueUrl);
  }
}

export interface WebhookDeliveryProps {
  stage: Stage;
  code: lambda.Code;
  table: dynamodb.ITableV2;
  /** The API's `appEnvironment`. */
  environment: Record<string, string>;
  webhookQueue: WebhookQueue;
}

/**
 * The delivery function: takes jobs from the queue, sends each due one to its receiver (signed,
 * SSRF-checked, src/services/webhook-delivery.ts), and queues the next try of a failed one or the
 * rest of a wait longer than SQS's 15 minutes. Partial batch responses: only the messages that
 * failed on our side come again, and after DELIVERY_MAX_RECEIVES they go to the dead-letter queue.
 */
export class WebhookDelivery extends Construct {
  readonly function: lambda.Function;
  /** `live`: the queue invokes it (a rollback moves it). */
  readonly alias: lambda.Alias;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    const delivery = evergateFunction(this, {
      stage: props.stage,
      code: props.code,
      description: "Evergate webhook delivery: signed attempts from the queue, retried for a day",
      roleDescription:
        "Evergate webhook delivery: its log group, webhooks and deliveries in the table, the webhook queue",
      memorySize: 256,
      timeout: DELIVERY_TIMEOUT,
      environment: { ...props.environment, WEBHOOK_QUEUE_URL: props.webhookQueue.queue.queueUrl },
    });
    this.function = delivery.function;
    this.alias = delivery.alias;
    this.role = delivery.role;
    // A retry, or the rest of a long wait, goes back into the queue.
    props.webhookQueue.queue.grantSendMessages(this.role);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "WebhookItems",
        // The webhook and its delivery are read; the delivery's log and the webhook's streak written.
        actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        resources: [props.table.tableArn],
      }),
    );
    delivery.addEventSource(
      new SqsEventSource(props.webhookQueue.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: 10,
      }),
    );
  }
}
