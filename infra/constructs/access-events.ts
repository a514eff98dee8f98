import { Duration } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { Stage } from "../stage.ts";
import { evergateFunction } from "./evergate-function.ts";
import type { WebhookQueue } from "./webhook-delivery.ts";

export interface AccessEventConsumerProps {
  stage: Stage;
  code: lambda.Code;
  /** The table, streaming new and old images (an event is the difference between the two). */
  table: dynamodb.ITableV2;
  /** The API's `appEnvironment`. */
  environment: Record<string, string>;
  /** Where the consumer queues a delivery for each webhook an event reaches. */
  webhookQueue: WebhookQueue;
}

/** Records per batch, and how long the mapping waits to fill one: the events' lag is at most this window. */
export const CONSUMER_BATCH = { size: 100, window: Duration.seconds(1) } as const;

/**
 * The stream filter: only link, order and product items make events or webhooks
 * (src/services/access-events.ts, src/services/webhook-fanout.ts). The events, deliveries, slots
 * and jobs the table also holds never wake the consumer; its own writes above all.
 */
export const CONSUMER_KEY_PREFIXES = ["LINK#", "PRODUCT#"] as const;

/**
 * The table stream's consumer of ADR 021/022 in AWS: link changes become access events, and
 * link, order and product changes webhook deliveries. The same handler `npm start` feeds from the
 * stand-in's stream (src/local/stream-poller.ts). A failed record is reported (partial batch
 * response) and retried with the records after it; a batch that keeps failing is halved until the
 * bad record is alone; after three retries (or a day) the record's position goes to a dead-letter
 * queue that infra/constructs/monitoring.ts alarms on.
 */
export class AccessEventConsumer extends Construct {
  readonly function: lambda.Function;
  /** `live`: the stream invokes it (a rollback moves it). */
  readonly alias: lambda.Alias;
  readonly role: iam.Role;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: AccessEventConsumerProps) {
    super(scope, id);
    const consumer = evergateFunction(this, {
      stage: props.stage,
      code: props.code,
      description: "Evergate access events: the table's stream → access log and webhook deliveries",
      roleDescription:
        "Evergate access-event consumer: its log group, the table's stream, events and deliveries, the webhook queue",
      memorySize: 512,
      timeout: Duration.seconds(60),
      environment: props.environment,
    });
    this.function = consumer.function;
    this.alias = consumer.alias;
    this.role = consumer.role;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "TableItems",
        // Events and deliveries are written once (PutItem with a condition); the product and the
        // owner's webhooks are read (a keys-only index page, then BatchGetItem). Nothing else.
        actions: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"],
        resources: [props.table.tableArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "OwnerWebhooksIndex",
        actions: ["dynamodb:Query"],
        resources: [`${props.table.tableArn}/index/gsi1`],
      }),
    );
    props.webhookQueue.allowSendingFrom(this.function);

    this.deadLetters = new sqs.Queue(this, "DeadLetters", {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    consumer.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: CONSUMER_BATCH.size,
        maxBatchingWindow: CONSUMER_BATCH.window,
        retryAttempts: 3,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        maxRecordAge: Duration.days(1),
        onFailure: new SqsDlq(this.deadLetters),
        filters: CONSUMER_KEY_PREFIXES.map((prefix) =>
          lambda.FilterCriteria.filter({
            dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith(prefix) } } },
          }),
        ),
      }),
    );
  }
}
