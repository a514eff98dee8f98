import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { WORKER_LINK_CONCURRENCY } from "./constructs/link-jobs.ts";
import { EvergateStack } from "./evergate-stack.ts";

/** The link-job worker of ADR 013: the table's stream → a worker function, retries, DLQ, a schedule. */
let template: Template;

beforeAll(() => {
  const app = new App();
  const stack = new EvergateStack(app, "Evergate-dev", {
    stage: "dev",
    apiCode: lambda.Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
  });
  template = Template.fromStack(stack);
});

const workerId = () => {
  const ids = Object.keys(
    template.findResources("AWS::Lambda::Function", {
      Properties: { Description: Match.stringLikeRegexp("^Evergate link jobs") },
    }),
  );
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

/** The worker's `live` alias: the stream and the schedule invoke it (a rollback moves both). */
const liveId = () => {
  const ids = Object.keys(
    template.findResources("AWS::Lambda::Alias", {
      Properties: { Name: "live", FunctionName: { Ref: workerId() } },
    }),
  );
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

describe("link-job worker", () => {
  it("the table streams new and old images (the access events need them; the worker reads only the keys)", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
    });
  });

  it("runs the API bundle's handler on Node.js 22 with 5 minutes and its link concurrency", () => {
    const worker = template.findResources("AWS::Lambda::Function")[workerId()] as {
      Properties: Record<string, unknown>;
    };
    expect(worker.Properties).toMatchObject({
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Timeout: 300,
      Environment: {
        Variables: expect.objectContaining({
          TABLE_NAME: expect.anything(),
          FILES_BUCKET: expect.anything(),
          COGNITO_ISSUER: expect.anything(),
          COGNITO_CLIENT_ID: expect.anything(),
          // src/lambda/main.ts refuses to start without these two (it used to lack them)
          CLIENT_KEY_SECRET: expect.anything(),
          TOKEN_KEYS: expect.anything(),
          LINK_JOB_CONCURRENCY: String(WORKER_LINK_CONCURRENCY),
        }),
      },
    });
  });

  it("gets only the INSERTs of LINK_JOB# items from the stream, retries a failed record, then parks it in a dead-letter queue", () => {
    // The worker's own dead-letter queue (the sweeper has another).
    const queue = Object.keys(template.findResources("AWS::SQS::Queue")).filter((id) =>
      id.startsWith("LinkJobsDeadLetters"),
    );
    expect(queue).toHaveLength(1);
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: liveId() },
      EventSourceArn: Match.anyValue(),
      StartingPosition: "LATEST",
      MaximumRetryAttempts: 3,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [queue[0], "Arn"] } } },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ["INSERT"],
              dynamodb: { Keys: { pk: { S: [{ prefix: "LINK_JOB#" }] } } },
            }),
          },
        ],
      },
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
  });

  it("picks up unfinished jobs every minute (through `live`)", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      Targets: [
        Match.objectLike({
          Arn: { Ref: liveId() },
          Input: JSON.stringify({ evergate: "link-jobs" }),
        }),
      ],
    });
  });

  it("its role: the table's items, its due-jobs index, its stream, deletes under files/, the DLQ; nothing else", () => {
    const worker = template.findResources("AWS::Lambda::Function")[workerId()] as {
      Properties: { Role: { "Fn::GetAtt": [string, string] } };
    };
    const role = worker.Properties.Role["Fn::GetAtt"][0];
    const policies = Object.values(
      template.findResources("AWS::IAM::Policy", {
        Properties: { Roles: [{ Ref: role }] },
      }),
    ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
    const actions = policies
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]))
      .sort();
    expect([...new Set(actions)]).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:DeleteItem",
      "dynamodb:DescribeStream",
      "dynamodb:GetItem",
      "dynamodb:GetRecords",
      "dynamodb:GetShardIterator",
      "dynamodb:ListStreams",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:DeleteObject",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:SendMessage",
    ]);
  });
});
