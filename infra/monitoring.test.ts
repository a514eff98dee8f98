import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { logAccess } from "../src/http/middleware.ts";
import { jsonLogger } from "../src/logger.ts";
import { alarmThresholds, linkLatencyFilter } from "./constructs/monitoring.ts";
import { EvergateStack } from "./evergate-stack.ts";

/** Alarms to one topic, a dashboard, the sweeper's dead-letter path (ADR 020). */
const EMAIL = "ops@example.com";
const WEB_ACL = "evergate-prod-edge";

function synthesize(options: { watched: boolean }) {
  const app = new App();
  const stack = new EvergateStack(app, "Evergate-prod", {
    stage: "prod",
    apiCode: lambda.Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
    ...(options.watched && { alarmEmail: EMAIL, webAcl: { name: WEB_ACL, blockedPerFiveMinutes: 500 } }),
  });
  if (options.watched) {
    // As another construct would: a queue of its own, watched after the monitoring exists.
    const jobs = new sqs.Queue(stack, "RevocationJobsDeadLetters", { enforceSSL: true });
    stack.monitoring.watchDeadLetterQueue("RevocationJobs", jobs);
  }
  return { app, template: Template.fromStack(stack) };
}

type Resource = { Properties: Record<string, unknown> };
const idsOf = (template: Template, type: string, props: Record<string, unknown> = {}) =>
  Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
const onlyId = (template: Template, type: string, props: Record<string, unknown> = {}) => {
  const ids = idsOf(template, type, props);
  expect(ids, type).toHaveLength(1);
  return ids[0] as string;
};
const alarm = (template: Template, suffix: string) => {
  const found = Object.values(
    template.findResources("AWS::CloudWatch::Alarm", {
      Properties: { AlarmName: `evergate-prod-${suffix}` },
    }),
  ) as Resource[];
  expect(found, suffix).toHaveLength(1);
  return (found[0] as Resource).Properties;
};

/** An alarm's one metric, whether rendered at the top level or (with a label) as Metrics[0]. */
const metricOf = (properties: Record<string, unknown>) => {
  const [first] = (properties.Metrics ?? []) as {
    MetricStat?: { Metric: Record<string, unknown>; Period: number; Stat: string };
  }[];
  if (first?.MetricStat) {
    return { ...first.MetricStat.Metric, Period: first.MetricStat.Period, Stat: first.MetricStat.Stat };
  }
  const { Namespace, MetricName, Dimensions, Period } = properties;
  return {
    Namespace,
    MetricName,
    Dimensions,
    Period,
    Stat: properties.Statistic ?? properties.ExtendedStatistic,
  };
};

let watched: ReturnType<typeof synthesize>;
let plain: ReturnType<typeof synthesize>;
let topic: string;
let fn: string;
let alias: string;

beforeAll(() => {
  watched = synthesize({ watched: true });
  plain = synthesize({ watched: false });
  topic = onlyId(watched.template, "AWS::SNS::Topic");
  fn = onlyId(watched.template, "AWS::Lambda::Function", {
    Runtime: "nodejs22.x",
    Description: Match.stringLikeRegexp("^Evergate API"),
  });
  alias = onlyId(watched.template, "AWS::Lambda::Alias");
});

const aliasDimensions = () => [
  { Name: "FunctionName", Value: { Ref: fn } },
  { Name: "Resource", Value: { "Fn::Join": ["", [{ Ref: fn }, ":live"]] } },
];

describe("every alarm", () => {
  it("notifies the topic when it fires and when it clears, and does not fire on missing data", () => {
    const alarms = Object.values(watched.template.findResources("AWS::CloudWatch::Alarm")) as Resource[];
    expect(alarms.map((a) => a.Properties.AlarmName).sort()).toEqual(
      [
        "AccessEventsDeadLetters",
        "AccessEventsErrors",
        "DynamoThrottles",
        "LambdaErrors",
        "LambdaThrottles",
        "LinkJobsDeadLetters",
        "LinkLatencyP99",
        "RevocationJobsDeadLetters",
        "ServerErrorRate",
        "SweeperDeadLetters",
        "WafBlockedSpike",
        "WebhookDeliveryDeadLetters",
      ].map((name) => `evergate-prod-${name}`),
    );
    for (const { Properties } of alarms) {
      expect(Properties).toMatchObject({
        AlarmActions: [{ Ref: topic }],
        OKActions: [{ Ref: topic }],
        TreatMissingData: "notBreaching",
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      });
      expect(String(Properties.AlarmDescription).length).toBeGreaterThan(20);
    }
  });

  it("mails the topic only when an address is given; the topic refuses plain HTTP", () => {
    watched.template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: EMAIL,
      TopicArn: { Ref: topic },
    });
    plain.template.resourceCountIs("AWS::SNS::Subscription", 0);
    watched.template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });
});

describe("the alarms", () => {
  it("5xx rate: Url5xxCount / UrlRequestCount of the live alias, over 1 % with at least 20 requests", () => {
    const properties = alarm(watched.template, "ServerErrorRate");
    expect(properties.Threshold).toBe(alarmThresholds.serverErrorPercent);
    const metrics = properties.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: Record<string, unknown>;
    }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe(
      "IF(requests >= 20, 100 * errors / requests, 0)",
    );
    for (const [id, name] of [
      ["requests", "UrlRequestCount"],
      ["errors", "Url5xxCount"],
    ]) {
      expect(metrics.find((m) => m.Id === id)?.MetricStat).toMatchObject({
        Metric: { Namespace: "AWS/Lambda", MetricName: name, Dimensions: aliasDimensions() },
        Period: 300,
        Stat: "Sum",
      });
    }
  });

  it("p99 of /l/: a metric filter on the function's access log, p99 over 500 ms in 3 of 5 minutes", () => {
    const logGroup = idsOf(watched.template, "AWS::Logs::LogGroup").filter((id) =>
      id.startsWith("ApiLogs"),
    )[0];
    watched.template.hasResourceProperties("AWS::Logs::MetricFilter", {
      LogGroupName: { Ref: logGroup },
      FilterPattern: linkLatencyFilter.pattern,
      MetricTransformations: [
        {
          MetricNamespace: "Evergate",
          MetricName: "LinkLatency",
          MetricValue: "$.ms",
          Unit: "Milliseconds",
        },
      ],
    });
    const properties = alarm(watched.template, "LinkLatencyP99");
    expect(metricOf(properties)).toMatchObject({
      Namespace: "Evergate",
      MetricName: "LinkLatency",
      Stat: "p99",
      Period: 60,
    });
    expect(properties).toMatchObject({ Threshold: 500, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
  });

  it("the filter reads fields the app's access log really writes, and that line never holds the token", () => {
    const lines: string[] = [];
    const token = "evg_4Kq9ZtXbP2mW7rLcY1nV8sA3";
    logAccess(
      jsonLogger("info", (line) => lines.push(line)),
      {
        requestId: "r1",
        method: "GET",
        path: `/l/${token}`,
        status: 302,
        startedAt: performance.now() - 12.5,
      },
    );
    const entry = JSON.parse(lines[0] as string);
    expect(entry.message).toBe("request"); // $.message = "request"
    expect(entry.path.startsWith("/l/")).toBe(true); // $.path = "/l/*"
    expect(typeof entry.ms).toBe("number"); // $.ms
    expect(entry.ms).toBeGreaterThanOrEqual(12);
    expect(lines[0]).not.toContain(token);
  });

  it("DynamoDB throttles: read + write throttle events of the table, any in 5 minutes", () => {
    const table = onlyId(watched.template, "AWS::DynamoDB::GlobalTable");
    const properties = alarm(watched.template, "DynamoThrottles");
    expect(properties.Threshold).toBe(1);
    const metrics = properties.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: Record<string, unknown>;
    }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe("reads + writes");
    const names = metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
    expect(names).toEqual([
      {
        Namespace: "AWS/DynamoDB",
        MetricName: "ReadThrottleEvents",
        Dimensions: [{ Name: "TableName", Value: { Ref: table } }],
      },
      {
        Namespace: "AWS/DynamoDB",
        MetricName: "WriteThrottleEvents",
        Dimensions: [{ Name: "TableName", Value: { Ref: table } }],
      },
    ]);
  });

  it("Lambda errors and throttles of the live alias", () => {
    for (const [suffix, metric] of [
      ["LambdaErrors", "Errors"],
      ["LambdaThrottles", "Throttles"],
    ]) {
      expect(alarm(watched.template, suffix as string)).toMatchObject({
        Namespace: "AWS/Lambda",
        MetricName: metric,
        Dimensions: aliasDimensions(),
        Statistic: "Sum",
        Threshold: 1,
      });
    }
  });

  it("sweeper failures: two retries, then a dead-letter queue, which alarms at its first message", () => {
    const queue = idsOf(watched.template, "AWS::SQS::Queue", { MessageRetentionPeriod: 1_209_600 }).filter(
      (id) => id.includes("SweeperDeadLetters"),
    )[0];
    watched.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: fn },
      Qualifier: Match.objectLike({
        "Fn::Select": Match.arrayWith([{ "Fn::Split": [":", { Ref: alias }] }]),
      }),
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [queue, "Arn"] } } },
    });
    watched.template.hasResourceProperties("AWS::Events::Rule", {
      Targets: [
        Match.objectLike({
          Arn: { Ref: alias },
          DeadLetterConfig: { Arn: { "Fn::GetAtt": [queue, "Arn"] } },
          RetryPolicy: { MaximumRetryAttempts: 2 },
        }),
      ],
    });
    const properties = alarm(watched.template, "SweeperDeadLetters");
    expect(metricOf(properties)).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queue, "QueueName"] } }],
    });
    expect(properties.Threshold).toBe(1);
  });

  it("dead letters of queues other constructs add, once they ask", () => {
    const queue = Object.keys(watched.template.findResources("AWS::SQS::Queue")).find((id) =>
      id.startsWith("RevocationJobsDeadLetters"),
    );
    expect(metricOf(alarm(watched.template, "RevocationJobsDeadLetters"))).toMatchObject({
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queue, "QueueName"] } }],
    });
  });

  it("a spike of WAF blocks, only where a web ACL is given", () => {
    const properties = alarm(watched.template, "WafBlockedSpike");
    expect(metricOf(properties)).toMatchObject({
      Namespace: "AWS/WAFV2",
      MetricName: "BlockedRequests",
      Dimensions: [
        { Name: "Rule", Value: "ALL" },
        { Name: "WebACL", Value: WEB_ACL },
      ],
      Stat: "Sum",
    });
    expect(properties.Threshold).toBe(500);
    expect(
      idsOf(plain.template, "AWS::CloudWatch::Alarm", { AlarmName: "evergate-prod-WafBlockedSpike" }),
    ).toEqual([]);
    expect(idsOf(plain.template, "AWS::CloudWatch::Alarm")).toHaveLength(10);
  });
});

describe("dashboard", () => {
  it("shows requests, errors, /l/ latency, Lambda, DynamoDB, dead letters and WAF blocks", () => {
    const dashboard = Object.values(
      watched.template.findResources("AWS::CloudWatch::Dashboard"),
    )[0] as Resource;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const shown of [
      "UrlRequestCount",
      "Url4xxCount",
      "Url5xxCount",
      "LinkLatency",
      "p99",
      "Errors",
      "Throttles",
      "ConcurrentExecutions",
      "ReadThrottleEvents",
      "ConsumedWriteCapacityUnits",
      "Sweeper dead letters",
      "RevocationJobs dead letters",
      "BlockedRequests",
    ]) {
      expect(body, shown).toContain(shown);
    }
    watched.template.hasOutput("DashboardName", {});
    watched.template.hasOutput("AlarmTopicArn", { Value: { Ref: topic } });
  });
});

describe("cdk-nag", () => {
  it("has no open finding with every option on", () => {
    const open = new AwsSolutionsChecks().validateScope(watched.app).violations.flatMap((v) =>
      v.violatingResources
        .map((r) => r.constructPath)
        .filter((path) => !path?.includes("RevocationJobsDeadLetters")) // the test's own queue
        .map((path) => `${v.ruleName} at ${path}`),
    );
    expect(open).toEqual([]);
  });
});
