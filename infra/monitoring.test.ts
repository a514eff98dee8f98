import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { emfMetrics } from "../src/metrics/emf.ts";
import { linkOutcomes } from "../src/metrics/link-outcome.ts";
import { recordRequest } from "../src/metrics/request-metrics.ts";
import { alarmThresholds } from "./constructs/monitoring.ts";
import { EvergateStack } from "./evergate-stack.ts";

const NAMESPACE = "Evergate/prod";

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
const alarmIn = (template: Template, name: string) => {
  const found = Object.values(
    template.findResources("AWS::CloudWatch::Alarm", { Properties: { AlarmName: name } }),
  ) as Resource[];
  expect(found, name).toHaveLength(1);
  return (found[0] as Resource).Properties;
};
const alarm = (template: Template, suffix: string) => alarmIn(template, `evergate-prod-${suffix}`);

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
  alias = onlyId(watched.template, "AWS::Lambda::Alias", { FunctionName: { Ref: fn } });
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
        "InvalidTokenSpike",
        "LambdaErrors",
        "LambdaThrottles",
        "LinkJobsDeadLetters",
        "LinkLatencyP99",
        "PresignLatencyP99",
        "RevocationJobsDeadLetters",
        "ServerErrorRate",
        "SweeperDeadLetters",
        "WafBlockedSpike",
        "WebhookDeliveryDeadLetters",
        "WebhookDeliveryFailures",
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
  it("5xx rate: the app's ServerErrors / Requests (EMF, every route), over 1 % with at least 20 requests", () => {
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
      ["requests", "Requests"],
      ["errors", "ServerErrors"],
    ]) {
      expect(metrics.find((m) => m.Id === id)?.MetricStat).toEqual({
        Metric: { Namespace: NAMESPACE, MetricName: name },
        Period: 300,
        Stat: "Sum",
      });
    }
  });

  it("p99 of /l/: the app's Latency of Route /l/{token} (EMF), over 500 ms in 3 of 5 minutes; no log filter", () => {
    const properties = alarm(watched.template, "LinkLatencyP99");
    expect(metricOf(properties)).toMatchObject({
      Namespace: NAMESPACE,
      MetricName: "Latency",
      Dimensions: [{ Name: "Route", Value: "/l/{token}" }],
      Stat: "p99",
      Period: 60,
    });
    expect(properties).toMatchObject({ Threshold: 500, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
    watched.template.resourceCountIs("AWS::Logs::MetricFilter", 0);
  });

  it("p99 of signing a download URL (EMF PresignLatency), over 100 ms in 3 of 5 minutes", () => {
    const properties = alarm(watched.template, "PresignLatencyP99");
    expect(metricOf(properties)).toMatchObject({
      Namespace: NAMESPACE,
      MetricName: "PresignLatency",
      Stat: "p99",
      Period: 60,
    });
    expect(metricOf(properties).Dimensions).toBeUndefined();
    expect(properties).toMatchObject({
      Threshold: alarmThresholds.presignP99Ms,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
    });
  });

  it("DynamoDB throttles: every attempt the app's clients had refused (EMF, table and indexes), any in 5 minutes", () => {
    const properties = alarm(watched.template, "DynamoThrottles");
    expect(properties.Threshold).toBe(1);
    expect(metricOf(properties)).toMatchObject({
      Namespace: NAMESPACE,
      MetricName: "DynamoDBThrottles",
      Stat: "Sum",
      Period: 300,
    });
    expect(metricOf(properties).Dimensions).toBeUndefined();
  });

  it("a flood of forged or malformed tokens: LinkOutcomes invalid_token over 1,000 in 5 minutes", () => {
    const properties = alarm(watched.template, "InvalidTokenSpike");
    expect(metricOf(properties)).toMatchObject({
      Namespace: NAMESPACE,
      MetricName: "LinkOutcomes",
      Dimensions: [{ Name: "Outcome", Value: "invalid_token" }],
      Stat: "Sum",
      Period: 300,
    });
    expect(properties.Threshold).toBe(alarmThresholds.invalidTokensPerFiveMinutes);
  });

  it("webhook deliveries given up: WebhookDeliveries failed, 10 in an hour", () => {
    const properties = alarm(watched.template, "WebhookDeliveryFailures");
    expect(metricOf(properties)).toMatchObject({
      Namespace: NAMESPACE,
      MetricName: "WebhookDeliveries",
      Dimensions: [{ Name: "Result", Value: "failed" }],
      Stat: "Sum",
      Period: 3600,
    });
    expect(properties.Threshold).toBe(alarmThresholds.webhookFailuresPerHour);
  });

  it("every EMF alarm reads a metric the app's EMF lines really publish, in the functions' namespace", () => {
    // Prepare: what the Lambda writes for the events the alarms count (src/metrics/emf.ts).
    const lines: string[] = [];
    const metrics = emfMetrics(NAMESPACE, (line) => lines.push(line));
    recordRequest(metrics, { route: "/l/{token}", status: 503, ms: 612 });
    metrics.add("PresignLatency", 140);
    metrics.add("DynamoDBThrottles", 1, { Operation: "UpdateItem" });
    metrics.add("LinkOutcomes", 1, { Outcome: "invalid_token" });
    metrics.add("WebhookDeliveries", 1, { Result: "failed" });
    metrics.flush();
    const published = lines.flatMap((line) => {
      const document = JSON.parse(line);
      return document._aws.CloudWatchMetrics.flatMap(
        (directive: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }) =>
          directive.Metrics.flatMap(({ Name }) =>
            directive.Dimensions.map((set) => ({
              Namespace: directive.Namespace,
              MetricName: Name,
              Dimensions: Object.fromEntries(set.map((key) => [key, document[key]])),
            })),
          ),
      );
    });
    // Assess: each alarm's metric (or each metric of its expression) is among them.
    const emfAlarms = (
      Object.values(watched.template.findResources("AWS::CloudWatch::Alarm")) as Resource[]
    ).filter((a) => JSON.stringify(a.Properties).includes(NAMESPACE));
    expect(emfAlarms).toHaveLength(6);
    for (const { Properties } of emfAlarms) {
      const watchedMetrics = Properties.Metrics
        ? (Properties.Metrics as { MetricStat?: { Metric: Record<string, unknown> } }[]).flatMap((m) =>
            m.MetricStat ? [m.MetricStat.Metric] : [],
          )
        : [Properties];
      for (const metric of watchedMetrics) {
        const dimensions = Object.fromEntries(
          ((metric.Dimensions ?? []) as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]),
        );
        expect(published, `${Properties.AlarmName}: ${metric.MetricName}`).toContainEqual({
          Namespace: metric.Namespace,
          MetricName: metric.MetricName,
          Dimensions: dimensions,
        });
      }
    }
  });

  it("every function writes its metrics where the alarms look (METRICS_NAMESPACE per stage)", () => {
    const functions = Object.values(
      watched.template.findResources("AWS::Lambda::Function", { Properties: { Runtime: "nodejs22.x" } }),
    ) as Resource[];
    expect(functions.length).toBeGreaterThanOrEqual(4);
    for (const { Properties } of functions) {
      expect(Properties.Environment).toMatchObject({ Variables: { METRICS_NAMESPACE: NAMESPACE } });
    }
    const dev = new EvergateStack(new App(), "Evergate-dev", {
      stage: "dev",
      apiCode: lambda.Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
    });
    const devTemplate = Template.fromStack(dev);
    devTemplate.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ METRICS_NAMESPACE: "Evergate/dev" }) },
    });
    expect(metricOf(alarmIn(devTemplate, "evergate-dev-LinkLatencyP99")).Namespace).toBe("Evergate/dev");
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

  it("a spike of WAF blocks: the given web ACL's, else the stack's own (only where it exists, us-east-1)", () => {
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
    // Without one, the stack's own EdgeFirewall ACL, under the same condition as the ACL itself
    const [own] = idsOf(plain.template, "AWS::CloudWatch::Alarm", {
      AlarmName: "evergate-prod-WafBlockedSpike",
    });
    const ownAlarm = plain.template.toJSON().Resources[own as string];
    const acl = plain.template.toJSON().Resources[onlyId(plain.template, "AWS::WAFv2::WebACL")];
    expect(ownAlarm.Condition).toBe(acl.Condition);
    expect(acl.Condition).toBeDefined();
    expect(metricOf(ownAlarm.Properties)).toMatchObject({
      Namespace: "AWS/WAFV2",
      MetricName: "BlockedRequests",
      Dimensions: [
        { Name: "Rule", Value: "ALL" },
        { Name: "WebACL", Value: acl.Properties.VisibilityConfig.MetricName },
      ],
    });
    expect(acl.Properties.VisibilityConfig.MetricName).toBe("evergate-prod");
    expect(ownAlarm.Properties.Threshold).toBe(1_000);
    expect(idsOf(plain.template, "AWS::CloudWatch::Alarm")).toHaveLength(14);
  });
});

describe("dashboard", () => {
  it("shows requests, errors, link outcomes by reason, latency (EMF), Lambda, DynamoDB, dead letters and WAF blocks", () => {
    const dashboard = Object.values(
      watched.template.findResources("AWS::CloudWatch::Dashboard"),
    )[0] as Resource;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const shown of [
      "UrlRequestCount",
      "Url4xxCount",
      "Url5xxCount",
      `"${NAMESPACE}","Latency","Route","/l/{token}"`,
      "p99",
      `"${NAMESPACE}","PresignLatency"`,
      `"${NAMESPACE}","DynamoDBLatency"`,
      `"${NAMESPACE}","ColdStarts"`,
      ...linkOutcomes.map((outcome) => `"${NAMESPACE}","LinkOutcomes","Outcome","${outcome}"`),
      `"${NAMESPACE}","WebhookDeliveries","Result","failed"`,
      "Errors",
      "Throttles",
      "ConcurrentExecutions",
      "ReadThrottleEvents",
      "ConsumedWriteCapacityUnits",
      "Sweeper dead letters",
      "RevocationJobs dead letters",
      "BlockedRequests",
    ]) {
      // The body is JSON inside the template's JSON: quotes come escaped.
      expect(body, shown).toContain(JSON.stringify(shown).slice(1, -1));
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
