import { Aws, Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { Stage } from "../stage.ts";

/**
 * What the operator hears about first, and the numbers behind it (docs/decisions/020-operations.md).
 * Every alarm goes to one SNS topic (optionally mailed); the dashboard shows the same metrics.
 * Queues and a web ACL that other constructs add are watched with watchDeadLetterQueue() and
 * watchWebAcl(), so this construct does not need to know about them when it is created.
 */
export interface MonitoringProps {
  stage: Stage;
  /** The `live` alias: its function URL metrics and invocation errors. */
  api: lambda.IFunction;
  /** The function's log group: the access log gives the /l/ latency. */
  logGroup: logs.ILogGroup;
  table: dynamodb.ITableV2;
  /** The sweeper's dead-letter queue: a message there is a sweep that failed after its retries. */
  sweeperDeadLetterQueue: sqs.IQueue;
  /** E-mail address subscribed to the alarm topic (it must confirm the subscription). */
  alarmEmail?: string;
  /** Other dead-letter queues, by a short name: alarm as soon as one holds a message. */
  deadLetterQueues?: Record<string, sqs.IQueue>;
  /** A WAF web ACL in front of the distribution: alarm on a spike of blocked requests. */
  webAcl?: WebAclWatch;
}

export interface WebAclWatch {
  /** The web ACL's name (its metric name in CloudWatch, dimension `WebACL`). */
  name: string;
  /** Blocked requests in five minutes that count as a spike (default 1,000). */
  blockedPerFiveMinutes?: number;
}

/** Thresholds, one place: the template tests and infra/README.md quote them. */
export const alarmThresholds = {
  /** % of function URL requests answered 5xx, over 5 minutes with at least 20 requests. */
  serverErrorPercent: 1,
  minimumRequests: 20,
  /** p99 of /l/{token} as the app measures it (access log `ms`), 3 of 5 one-minute periods. */
  linkP99Ms: 500,
  /** Read + write throttle events of the table (and its indexes) in 5 minutes. */
  dynamoThrottles: 1,
  /** Invocation errors (the handler threw or timed out) in 5 minutes. */
  lambdaErrors: 1,
  /** Lambda throttles in 5 minutes. */
  lambdaThrottles: 1,
  /** Messages in a dead-letter queue. */
  deadLetters: 1,
  blockedPerFiveMinutes: 1000,
} as const;

/** The access log line the latency metric reads (src/http/middleware.ts, logAccess). */
export const linkLatencyFilter = {
  pattern: '{ $.message = "request" && $.path = "/l/*" }',
  value: "$.ms",
  namespace: "Evergate",
  metricName: "LinkLatency",
} as const;

export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  private readonly alarms: cloudwatch.Alarm[] = [];
  private readonly action: actions.SnsAction;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.prefix = `evergate-${props.stage}`;
    this.topic = new sns.Topic(this, "AlarmTopic", {
      displayName: `Evergate ${props.stage} alarms`,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.action = new actions.SnsAction(this.topic);
    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      // Dashboard names are per account, not per region.
      dashboardName: `${this.prefix}-${Aws.REGION}`,
      defaultInterval: Duration.hours(3),
    });
    const fiveMinutes = Duration.minutes(5);

    // 1. Server errors: the function URL's 5xx as a share of its requests (CloudFront's own metrics
    // live in us-east-1 only; these are in the stack's region).
    const requests = props.api.metric("UrlRequestCount", { statistic: "Sum", period: fiveMinutes });
    const serverErrors = props.api.metric("Url5xxCount", { statistic: "Sum", period: fiveMinutes });
    const clientErrors = props.api.metric("Url4xxCount", { statistic: "Sum", period: fiveMinutes });
    const errorRate = new cloudwatch.MathExpression({
      expression: `IF(requests >= ${alarmThresholds.minimumRequests}, 100 * errors / requests, 0)`,
      usingMetrics: { requests, errors: serverErrors },
      label: "5xx % of requests",
      period: fiveMinutes,
    });
    this.alarm("ServerErrorRate", errorRate, {
      threshold: alarmThresholds.serverErrorPercent,
      description: `More than ${alarmThresholds.serverErrorPercent}% of requests answered 5xx in 5 minutes (at least ${alarmThresholds.minimumRequests} requests): DynamoDB, S3 or Cognito failing, or a bad deploy (roll back: infra/README.md).`,
    });

    // 2. p99 of /l/{token}, from the access log (the path is logged as "/l/…", never the token).
    const linkLatency = new logs.MetricFilter(this, "LinkLatencyFilter", {
      logGroup: props.logGroup,
      filterPattern: logs.FilterPattern.literal(linkLatencyFilter.pattern),
      metricNamespace: linkLatencyFilter.namespace,
      metricName: linkLatencyFilter.metricName,
      metricValue: linkLatencyFilter.value,
      unit: cloudwatch.Unit.MILLISECONDS,
    }).metric({ statistic: "p99", period: Duration.minutes(1), label: "/l/ p99 (ms)" });
    this.alarm("LinkLatencyP99", linkLatency, {
      threshold: alarmThresholds.linkP99Ms,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: `p99 of /l/{token} above ${alarmThresholds.linkP99Ms} ms in 3 of 5 minutes: DynamoDB slow or throttled, cold starts, or retries.`,
    });

    // 3. DynamoDB throttles: reads and writes, table and indexes.
    const throttleMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: "AWS/DynamoDB",
        metricName,
        dimensionsMap: { TableName: props.table.tableName },
        statistic: "Sum",
        period: fiveMinutes,
      });
    const throttles = new cloudwatch.MathExpression({
      expression: "reads + writes",
      usingMetrics: {
        reads: throttleMetric("ReadThrottleEvents"),
        writes: throttleMetric("WriteThrottleEvents"),
      },
      label: "DynamoDB throttle events",
      period: fiveMinutes,
    });
    this.alarm("DynamoThrottles", throttles, {
      threshold: alarmThresholds.dynamoThrottles,
      description:
        "DynamoDB throttled requests: a hot link beyond a partition's 1,000 writes/s, or an account limit.",
    });

    // 4. Lambda: the handler threw or timed out, or Lambda refused to run it.
    const lambdaErrors = props.api.metric("Errors", { statistic: "Sum", period: fiveMinutes });
    this.alarm("LambdaErrors", lambdaErrors, {
      threshold: alarmThresholds.lambdaErrors,
      description:
        "The function threw or timed out (the app answers its own errors as problem+json; this is worse).",
    });
    const lambdaThrottles = props.api.metric("Throttles", { statistic: "Sum", period: fiveMinutes });
    this.alarm("LambdaThrottles", lambdaThrottles, {
      threshold: alarmThresholds.lambdaThrottles,
      description: "Lambda throttled invocations: the account's concurrency is used up.",
    });

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Requests and errors (function URL)",
        left: [requests, clientErrors, serverErrors],
        right: [errorRate],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "/l/{token} latency (ms)",
        left: [
          linkLatency.with({ statistic: "p50", label: "p50" }),
          linkLatency.with({ statistic: "p90", label: "p90" }),
          linkLatency,
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Lambda",
        left: [lambdaErrors, lambdaThrottles],
        right: [
          props.api.metric("Duration", { statistic: "p99", period: fiveMinutes }),
          props.api.metric("ConcurrentExecutions", { statistic: "Maximum", period: fiveMinutes }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "DynamoDB",
        left: [throttles],
        right: [
          props.table.metricConsumedWriteCapacityUnits({ period: fiveMinutes }),
          props.table.metricConsumedReadCapacityUnits({ period: fiveMinutes }),
        ],
        width: 12,
      }),
    );

    // 5. The sweeper: a failed run lands in its dead-letter queue after Lambda's retries.
    this.watchDeadLetterQueue(
      "Sweeper",
      props.sweeperDeadLetterQueue,
      "A sweep (unused uploads, replaced files) failed three times (two retries): see the function's logs for 'sweep'.",
    );
    for (const [name, queue] of Object.entries(props.deadLetterQueues ?? {}))
      this.watchDeadLetterQueue(name, queue);
    if (props.webAcl) this.watchWebAcl(props.webAcl);
  }

  /** Alarms as soon as the queue holds a message; shown on the dashboard. */
  watchDeadLetterQueue(name: string, queue: sqs.IQueue, description?: string): cloudwatch.Alarm {
    const depth = queue.metricApproximateNumberOfMessagesVisible({
      statistic: "Maximum",
      period: Duration.minutes(5),
      label: `${name} dead letters`,
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: `${name} dead letters`, left: [depth], width: 6 }),
    );
    return this.alarm(`${name}DeadLetters`, depth, {
      threshold: alarmThresholds.deadLetters,
      description: description ?? `${name}: a message reached the dead-letter queue.`,
    });
  }

  /** Alarms as soon as a worker function throws or times out (its own records are retried, then parked). */
  watchFunctionErrors(name: string, fn: lambda.IFunction, description: string): cloudwatch.Alarm {
    const errors = fn.metricErrors({
      statistic: "Sum",
      period: Duration.minutes(5),
      label: `${name} errors`,
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: `${name} errors`, left: [errors], width: 6 }),
    );
    return this.alarm(`${name}Errors`, errors, { threshold: alarmThresholds.lambdaErrors, description });
  }

  /** Alarms on a spike of requests the web ACL blocked (an attack, or a rule that blocks users). */
  watchWebAcl(webAcl: WebAclWatch): cloudwatch.Alarm {
    const blocked = new cloudwatch.Metric({
      namespace: "AWS/WAFV2",
      metricName: "BlockedRequests",
      dimensionsMap: { WebACL: webAcl.name, Rule: "ALL" },
      statistic: "Sum",
      period: Duration.minutes(5),
      label: "WAF blocked requests",
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: "WAF blocked requests", left: [blocked], width: 6 }),
    );
    const threshold = webAcl.blockedPerFiveMinutes ?? alarmThresholds.blockedPerFiveMinutes;
    return this.alarm("WafBlockedSpike", blocked, {
      threshold,
      description: `The web ACL ${webAcl.name} blocked more than ${threshold} requests in 5 minutes: an attack, or a rule that now blocks real users.`,
    });
  }

  /** Every alarm of this stack, for an alarm-status widget or a composite. */
  get allAlarms(): readonly cloudwatch.Alarm[] {
    return this.alarms;
  }

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: {
      threshold: number;
      description: string;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${this.prefix}-${id}`,
      alarmDescription: options.description,
      metric,
      threshold: options.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      datapointsToAlarm: options.datapointsToAlarm,
      // No data is no traffic (or no failures): not a reason to page anyone.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
