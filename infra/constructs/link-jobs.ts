import { Aws, Duration } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { bucketPrefixes } from "../../src/storage/bucket-layout.ts";
import { LINK_JOB_KEY_PREFIX } from "../../src/storage/dynamo-link-jobs.ts";
import type { Stage } from "../stage.ts";
import { evergateFunction } from "./evergate-function.ts";

export interface LinkJobWorkerProps {
  stage: Stage;
  /** The same bundle as the API: its handler runs a link job when the event is a stream record. */
  code: lambda.Code;
  /** The table, with its stream on (KEYS_ONLY is enough: the worker reads the job itself). */
  table: dynamodb.ITableV2;
  filesBucketName: string;
  /** The settings src/config.ts requires: the API's `appEnvironment`. */
  environment: Record<string, string>;
}

/** Link writes in flight per worker: ≈ 4,000 writes/s at ≈ 8 ms each, an on-demand table's start. */
export const WORKER_LINK_CONCURRENCY = 32;

/**
 * The worker that walks the links of a refund, delete or edit off the request path (ADR 013).
 * The request writes a LINK_JOB# item; the table's stream hands its INSERT to this function within
 * about a second; a failed batch is retried, then parked in a dead-letter queue; a schedule every
 * minute picks up jobs whose worker died (their lease ran out) or never came.
 */
export class LinkJobWorker extends Construct {
  readonly function: lambda.Function;
  /** `live`: the stream and the schedule invoke it (a rollback moves both). */
  readonly alias: lambda.Alias;
  readonly role: iam.Role;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: LinkJobWorkerProps) {
    super(scope, id);
    const worker = evergateFunction(this, {
      stage: props.stage,
      code: props.code,
      description: "Evergate link jobs: revokes or re-points the links of a refund, delete or edit",
      roleDescription:
        "Evergate link-job worker: its log group, the table and its stream, deletes under files/",
      memorySize: 512,
      // The worker saves its cursor 15 s before this and a later run resumes there.
      timeout: Duration.minutes(5),
      environment: { ...props.environment, LINK_JOB_CONCURRENCY: String(WORKER_LINK_CONCURRENCY) },
    });
    this.function = worker.function;
    this.alias = worker.alias;
    this.role = worker.role;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "TableItems",
        // Jobs, links, their pointers and slots, products and orders; no Scan, no batch writes.
        actions: [
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:Query",
        ],
        resources: [props.table.tableArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "DueJobsIndex",
        actions: ["dynamodb:Query"],
        resources: [`${props.table.tableArn}/index/gsi1`],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "DeleteReplacedFiles",
        // A job deletes the files of a deleted product, and a replaced deliverable, after its walk.
        actions: ["s3:DeleteObject"],
        resources: [`arn:${Aws.PARTITION}:s3:::${props.filesBucketName}/${bucketPrefixes.files}*`],
      }),
    );

    this.deadLetters = new sqs.Queue(this, "DeadLetters", {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    worker.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 10,
        parallelizationFactor: 10,
        retryAttempts: 3,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(this.deadLetters),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual("INSERT"),
            dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith(LINK_JOB_KEY_PREFIX) } } },
          }),
        ],
      }),
    );

    new events.Rule(this, "Unfinished", {
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(this.alias, {
          event: events.RuleTargetInput.fromObject({ evergate: "link-jobs" }),
        }),
      ],
    });
  }
}
