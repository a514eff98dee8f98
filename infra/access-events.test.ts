import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { CONSUMER_BATCH } from "./constructs/access-events.ts";
import { DELIVERY_MAX_RECEIVES } from "./constructs/webhook-delivery.ts";
import { EvergateStack } from "./evergate-stack.ts";

/** ADR 021/022 in AWS: the stream → the access-event consumer; the webhook queue → the delivery function. */
let template: Template;

beforeAll(() => {
  const app = new App();
  const stack = new EvergateStack(app, "Evergate-prod", {
    stage: "prod",
    apiCode: lambda.Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
  });
  template = Template.fromStack(stack);
});

type Resource = { Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Sid?: string };

const onlyId = (type: string, props: Record<string, unknown> = {}) => {
  const ids = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(ids, type).toHaveLength(1);
  return ids[0] as string;
};
const functionId = (description: string) =>
  onlyId("AWS::Lambda::Function", { Description: Match.stringLikeRegexp(`^${description}`) });
const consumerId = () => functionId("Evergate access events");
const deliveryId = () => functionId("Evergate webhook delivery");
const apiId = () => functionId("Evergate API and link redirects");
/** The function's `live` alias: what its event source mapping invokes (a rollback moves it). */
const liveOf = (fn: string) => onlyId("AWS::Lambda::Alias", { Name: "live", FunctionName: { Ref: fn } });
const propertiesOf = (type: string, id: string) => (template.findResources(type)[id] as Resource).Properties;
const queueId = (prefix: string) => {
  const ids = Object.keys(template.findResources("AWS::SQS::Queue")).filter((id) => id.startsWith(prefix));
  expect(ids, prefix).toHaveLength(1);
  return ids[0] as string;
};
const webhookQueue = () => onlyId("AWS::SQS::Queue", { RedrivePolicy: Match.anyValue() });

/** Every action of a function's role, sorted, without duplicates. */
function actionsOf(fn: string): string[] {
  const role = (propertiesOf("AWS::Lambda::Function", fn).Role as { "Fn::GetAtt": [string] })[
    "Fn::GetAtt"
  ][0];
  const policies = Object.values(
    template.findResources("AWS::IAM::Policy", { Properties: { Roles: [{ Ref: role }] } }),
  ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
  const actions = policies
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
  return [...new Set(actions)].sort();
}

/** What src/lambda/main.ts needs to start, in every function of the bundle. */
const appSettings = [
  "TABLE_NAME",
  "FILES_BUCKET",
  "COGNITO_ISSUER",
  "COGNITO_CLIENT_ID",
  "CLIENT_KEY_SECRET",
  "TOKEN_KEYS",
];

describe("the access-event consumer", () => {
  it("runs the one bundle's handler on Node.js 22 with the app's settings and the webhook queue's URL", () => {
    const properties = propertiesOf("AWS::Lambda::Function", consumerId());
    expect(properties).toMatchObject({
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Architectures: ["arm64"],
    });
    const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const name of appSettings) expect(variables, name).toHaveProperty(name);
    expect(variables.WEBHOOK_QUEUE_URL).toEqual({ Ref: webhookQueue() });
    expect(variables).not.toHaveProperty("WEBHOOK_ALLOW_LOOPBACK");
  });

  it("reads the table's stream with partial batch responses, bisection, 3 retries, a day's age, then a dead-letter queue", () => {
    const table = onlyId("AWS::DynamoDB::GlobalTable");
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
      TimeToLiveSpecification: { AttributeName: "expiresAtEpoch", Enabled: true },
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: liveOf(consumerId()) },
      EventSourceArn: { "Fn::GetAtt": [table, "StreamArn"] },
      StartingPosition: "LATEST",
      BatchSize: CONSUMER_BATCH.size,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: {
        OnFailure: { Destination: { "Fn::GetAtt": [queueId("AccessEventsDeadLetters"), "Arn"] } },
      },
    });
  });

  it("is woken by link, order and product items only: not by the events and deliveries it writes", () => {
    const mapping = Object.values(
      template.findResources("AWS::Lambda::EventSourceMapping", {
        Properties: { FunctionName: { Ref: liveOf(consumerId()) } },
      }),
    )[0] as Resource;
    const patterns = (mapping.Properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map(
      (filter) => JSON.parse(filter.Pattern),
    );
    expect(patterns).toEqual([
      { dynamodb: { Keys: { pk: { S: [{ prefix: "LINK#" }] } } } },
      { dynamodb: { Keys: { pk: { S: [{ prefix: "PRODUCT#" }] } } } },
    ]);
    const woken = (pk: string) => patterns.some((p) => pk.startsWith(p.dynamodb.Keys.pk.S[0].prefix));
    expect(["LINK#abc", "PRODUCT#p1"].every(woken)).toBe(true);
    // Its own writes (EVENTS#, WEBHOOK# deliveries), link jobs and the rest never reach it.
    expect(["EVENTS#abc", "WEBHOOK#w1", "LINK_JOB#j", "OWNER#u", "KEY#k"].some(woken)).toBe(false);
  });

  it("its role: the stream, put events and deliveries, read products and webhooks, send to the webhook queue and its DLQ; nothing else", () => {
    expect(actionsOf(consumerId())).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:DescribeStream",
      "dynamodb:GetItem",
      "dynamodb:GetRecords",
      "dynamodb:GetShardIterator",
      "dynamodb:ListStreams",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:SendMessage",
    ]);
  });
});

describe("webhook delivery", () => {
  it("the queue: encrypted, TLS only, kept 4 days (the last retry is ~27.6 h after the event), parked after 5 receives", () => {
    const properties = propertiesOf("AWS::SQS::Queue", webhookQueue());
    expect(properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 4 * 86_400,
      VisibilityTimeout: 540,
      RedrivePolicy: {
        deadLetterTargetArn: { "Fn::GetAtt": [queueId("WebhookQueueDeadLetters"), "Arn"] },
        maxReceiveCount: DELIVERY_MAX_RECEIVES,
      },
    });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: webhookQueue() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("the delivery function takes batches of 10 from the queue and answers partial batch failures", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: liveOf(deliveryId()) },
      EventSourceArn: { "Fn::GetAtt": [webhookQueue(), "Arn"] },
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    const properties = propertiesOf("AWS::Lambda::Function", deliveryId());
    expect(properties).toMatchObject({ Runtime: "nodejs22.x", Handler: "index.handler", Timeout: 90 });
    const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const name of appSettings) expect(variables, name).toHaveProperty(name);
    expect(variables.WEBHOOK_QUEUE_URL).toEqual({ Ref: webhookQueue() });
    // https and public addresses only: a deployment never allows a loopback receiver.
    expect(variables).not.toHaveProperty("WEBHOOK_ALLOW_LOOPBACK");
  });

  it("its role: webhooks and deliveries (get, update), receive from and send to the queue; nothing else", () => {
    expect(actionsOf(deliveryId())).toEqual([
      "dynamodb:GetItem",
      "dynamodb:UpdateItem",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]);
  });

  it("the API queues redeliveries and pings: the queue's URL, and send on that queue only", () => {
    const variables = (
      propertiesOf("AWS::Lambda::Function", apiId()).Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(variables.WEBHOOK_QUEUE_URL).toEqual({ Ref: webhookQueue() });
    expect(variables.CLIENT_COUNTRY_HEADER).toBe("cloudfront-viewer-country");
    expect(actionsOf(apiId()).filter((action) => action.startsWith("sqs:"))).toEqual([
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:SendMessage",
    ]);
  });
});

describe("alarms", () => {
  const alarm = (name: string) =>
    Object.values(
      template.findResources("AWS::CloudWatch::Alarm", {
        Properties: { AlarmName: `evergate-prod-${name}` },
      }),
    ) as Resource[];
  const topic = () => onlyId("AWS::SNS::Topic");

  it("on both dead-letter queues' first message and the consumer's first error, to the alarm topic", () => {
    for (const [name, queue] of [
      ["AccessEventsDeadLetters", queueId("AccessEventsDeadLetters")],
      ["WebhookDeliveryDeadLetters", queueId("WebhookQueueDeadLetters")],
    ] as const) {
      const found = alarm(name);
      expect(found, name).toHaveLength(1);
      expect(found[0]?.Properties).toMatchObject({
        Threshold: 1,
        AlarmActions: [{ Ref: topic() }],
        OKActions: [{ Ref: topic() }],
        TreatMissingData: "notBreaching",
      });
      expect(JSON.stringify(found[0]?.Properties)).toContain(
        JSON.stringify({ "Fn::GetAtt": [queue, "QueueName"] }),
      );
      expect(JSON.stringify(found[0]?.Properties)).toContain("ApproximateNumberOfMessagesVisible");
    }
    const errors = alarm("AccessEventsErrors");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.Properties).toMatchObject({ Threshold: 1, AlarmActions: [{ Ref: topic() }] });
    const metric = JSON.stringify(errors[0]?.Properties);
    for (const part of ['"Namespace":"AWS/Lambda"', '"MetricName":"Errors"', '"Stat":"Sum"'])
      expect(metric).toContain(part);
    expect(metric).toContain(JSON.stringify({ Name: "FunctionName", Value: { Ref: consumerId() } }));
  });
});
