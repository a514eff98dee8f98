import { Aws, Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { linkOutcomes } from "../../src/metrics/link-outcome.ts";
import { type MetricName, metricDefinitions } from "../../src/metrics/metrics.ts";
import { LINK_ROUTE } from "../../src/metrics/request-metrics.ts";
import type { Stage } from "../stage.ts";

/**
 * What the operator hears about first, and the numbers behind it (docs/decisions/020-operations.md).
 * Every alarm goes to one SNS topic (optionally mailed); the dashboard shows the same metrics.
 * The app's own numbers are the EMF metrics of src/metrics/metrics.ts (ADR 029), read by the
 * names and dimension sets of that one table: a name or dimension it lacks fails synthesis.
 * Queues and a web ACL that other constructs add are watched with watchDeadLetterQueue() and
 * watchWebAcl(), so this construct does not need to know about them when it is created.
 */
export interface MonitoringProps {
  stage: Stage;
  /** The `live` alias: its function URL metrics and invocation errors. */
  api: lambda.IFunction;
  /** The functions' METRICS_NAMESPACE: where their EMF metrics land. */
  metricsNamespace: string;
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
  /** p99 of /l/{token} as the app measures it (EMF `Latency`, Route `/l/{token}`), 3 of 5 one-minute periods. */
  linkP99Ms: 500,
  /** p99 of signing a presigned GET (EMF `PresignLatency`), 3 of 5 one-minute periods: it is local CPU. */
  presignP99Ms: 100,
  /** Webhook deliveries given up (EMF `WebhookDeliveries`, Result `failed`) in an hour. */
  webhookFailuresPerHour: 10,
  /** /l/ requests with a malformed or forged token (EMF `LinkOutcomes`, `invalid_token`) in 5 minutes. */
  invalidTokensPerFiveMinutes: 1000,
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

export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  private readonly alarms: cloudwatch.Alarm[] = [];
  private readonly action: actions.SnsAction;
  private readonly prefix: string;
  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.prefix = `evergate-${props.stage}`;
    this.namespace = props.metricsNamespace;
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

    const oneMinute = Duration.minutes(1);

    // 1. Server errors: the app's 5xx (EMF `ServerErrors`, 0 or 1 per request) as a share of its
    // requests, every route. A crash or timeout has no EMF line: the LambdaErrors alarm hears it.
    const requests = this.emf("Requests", {}, { statistic: "Sum", period: fiveMinutes, label: "requests" });
    const serverErrors = this.emf(
      "ServerErrors",
      {},
      { statistic: "Sum", period: fiveMinutes, label: "5xx" },
    );
    const clientErrors = this.emf(
      "ClientErrors",
      {},
      { statistic: "Sum", period: fiveMinutes, label: "4xx" },
    );
    const errorRate = new cloudwatch.MathExpression({
      expression: `IF(requests >= ${alarmThresholds.minimumRequests}, 100 * errors / requests, 0)`,
      usingMetrics: { requests, errors: serverErrors },
      label: "5xx % of requests",
      period: fiveMinutes,
    });
    this.alarm("ServerErrorRate", errorRate, {
      threshold: alarmThresholds.serverErrorPercent,
      description: `More than ${alarmThresholds.serverErrorPercent}% of requests answered 5xx in 5 minutes (at least ${alarmThresholds.minimumRequests} requests): DynamoDB, S3 or Cognito failing, or a bad deploy (roll back: infra/README.md). Which route: the dashboard's 5xx by route, or Logs Insights on the access log.`,
    });

    // 2. p99 of /l/{token}, as the app measured it (EMF `Latency` by Route).
    const linkLatency = this.emf(
      "Latency",
      { Route: LINK_ROUTE },
      { statistic: "p99", period: oneMinute, label: "/l/ p99 (ms)" },
    );
    this.alarm("LinkLatencyP99", linkLatency, {
      threshold: alarmThresholds.linkP99Ms,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: `p99 of /l/{token} above ${alarmThresholds.linkP99Ms} ms in 3 of 5 minutes: DynamoDB slow or throttled, cold starts, or retries (the dashboard shows DynamoDB and presign latency beside it).`,
    });
    const presignLatency = this.emf(
      "PresignLatency",
      {},
      {
        statistic: "p99",
        period: oneMinute,
        label: "presign p99 (ms)",
      },
    );
    this.alarm("PresignLatencyP99", presignLatency, {
      threshold: alarmThresholds.presignP99Ms,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: `p99 of signing a download URL above ${alarmThresholds.presignP99Ms} ms in 3 of 5 minutes: signing is local CPU, so this is the role's credentials being fetched again and again, or a starved function (memory size).`,
    });

    // 3. DynamoDB throttles as the app's clients met them: every attempt refused, table and
    // indexes (the table's own ReadThrottleEvents leave out its indexes), retried or not.
    const throttles = this.emf(
      "DynamoDBThrottles",
      {},
      {
        statistic: "Sum",
        period: fiveMinutes,
        label: "DynamoDB throttled attempts",
      },
    );
    this.alarm("DynamoThrottles", throttles, {
      threshold: alarmThresholds.dynamoThrottles,
      description:
        "DynamoDB throttled requests: a hot link beyond a partition's 1,000 writes/s, or an account limit. The dashboard splits them by operation.",
    });

    // 4. Link outcomes: a flood of tokens that do not verify is someone guessing or forging.
    const outcome = (name: string, period = fiveMinutes) =>
      this.emf("LinkOutcomes", { Outcome: name }, { statistic: "Sum", period, label: name });
    this.alarm("InvalidTokenSpike", outcome("invalid_token"), {
      threshold: alarmThresholds.invalidTokensPerFiveMinutes,
      description: `More than ${alarmThresholds.invalidTokensPerFiveMinutes} /l/ requests in 5 minutes with a malformed or forged token (no DynamoDB read was made for them): someone guessing or forging links. See the WAF's rate rule and the access log's addresses.`,
    });

    // 5. Webhooks: deliveries given up after their retries (the receiver kept failing).
    const webhookFailures = this.emf(
      "WebhookDeliveries",
      { Result: "failed" },
      { statistic: "Sum", period: Duration.hours(1), label: "webhook deliveries failed" },
    );
    this.alarm("WebhookDeliveryFailures", webhookFailures, {
      threshold: alarmThresholds.webhookFailuresPerHour,
      description: `${alarmThresholds.webhookFailuresPerHour} or more webhook deliveries given up in an hour: receivers down or refusing (their owners see each delivery in the webapp), or our signing or network broken if all fail.`,
    });

    // 6. Lambda: the handler threw or timed out, or Lambda refused to run it.
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

    const urlMetric = (name: string) => props.api.metric(name, { statistic: "Sum", period: fiveMinutes });
    const routes = `SEARCH('{${this.namespace},Route} MetricName="ServerErrors"', 'Sum', 300)`;
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Requests and errors",
        left: [requests, clientErrors, serverErrors],
        right: [errorRate],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Function URL (AWS/Lambda) and 5xx by route",
        left: [urlMetric("UrlRequestCount"), urlMetric("Url4xxCount"), urlMetric("Url5xxCount")],
        right: [new cloudwatch.MathExpression({ expression: routes, label: "", period: fiveMinutes })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "/l/{token} outcomes by reason",
        left: linkOutcomes.map((name) => outcome(name)),
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Latency (ms)",
        left: [
          linkLatency.with({ statistic: "p50", label: "/l/ p50" }),
          linkLatency.with({ statistic: "p90", label: "/l/ p90" }),
          linkLatency,
        ],
        right: [
          presignLatency,
          this.emf("DynamoDBLatency", {}, { statistic: "p99", period: oneMinute, label: "DynamoDB p99" }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Lambda",
        left: [
          lambdaErrors,
          lambdaThrottles,
          this.emf("ColdStarts", {}, { statistic: "Sum", period: fiveMinutes, label: "cold starts" }),
        ],
        right: [
          props.api.metric("Duration", { statistic: "p99", period: fiveMinutes }),
          props.api.metric("ConcurrentExecutions", { statistic: "Maximum", period: fiveMinutes }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "DynamoDB",
        left: [
          throttles,
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${this.namespace},Operation} MetricName="DynamoDBThrottles"', 'Sum', 300)`,
            label: "",
            period: fiveMinutes,
          }),
        ],
        right: [
          // The table's own view (indexes not included), beside the app's.
          ...["ReadThrottleEvents", "WriteThrottleEvents"].map(
            (metricName) =>
              new cloudwatch.Metric({
                namespace: "AWS/DynamoDB",
                metricName,
                dimensionsMap: { TableName: props.table.tableName },
                statistic: "Sum",
                period: fiveMinutes,
              }),
          ),
          props.table.metricConsumedWriteCapacityUnits({ period: fiveMinutes }),
          props.table.metricConsumedReadCapacityUnits({ period: fiveMinutes }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Webhook deliveries",
        left: (["delivered", "retry", "failed"] as const).map((result) =>
          this.emf(
            "WebhookDeliveries",
            { Result: result },
            { statistic: "Sum", period: fiveMinutes, label: result },
          ),
        ),
        width: 12,
      }),
    );

    // 7. The sweeper: a failed run lands in its dead-letter queue after Lambda's retries.
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

  /**
   * One of the app's EMF metrics, by the name and a dimension set of src/metrics/metrics.ts: a
   * dimension set the app does not publish would be an alarm that never fires, so it throws.
   */
  private emf(
    name: MetricName,
    dimensions: Record<string, string>,
    options: Pick<cloudwatch.MetricOptions, "statistic" | "period" | "label">,
  ): cloudwatch.Metric {
    const keys = Object.keys(dimensions).sort().join(",");
    const sets = metricDefinitions[name].dimensions as readonly (readonly string[])[];
    if (!sets.some((set) => [...set].sort().join(",") === keys))
      throw new Error(`${name} is not published with the dimensions [${keys}] (src/metrics/metrics.ts)`);
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: dimensions,
      ...options,
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
