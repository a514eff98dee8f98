import { type Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { type Stage, stageSettings } from "../stage.ts";

export interface EvergateFunctionProps {
  stage: Stage;
  /** The one bundle (scripts/build.ts): its handler tells a request, a stream batch and a queue batch apart. */
  code: lambda.Code;
  description: string;
  /** What the role may touch, in words (the IAM console shows it). */
  roleDescription: string;
  memorySize: number;
  timeout: Duration;
  /**
   * The settings src/config.ts reads; NODE_OPTIONS is added here. `TRACING: "on"` also turns on
   * the function's active tracing and its X-Ray write grant: one switch, never one without the other.
   */
  environment: Record<string, string>;
  reservedConcurrentExecutions?: number;
}

/** The alias every caller of an Evergate function names; moving it is a rollback (npm run rollback). */
export const liveAliasName = "live";

export interface EvergateFunction {
  function: lambda.Function;
  /**
   * `live`: this deploy's published version. Everything that invokes the function names it (URL,
   * schedules, event source mappings), so moving it moves all of the function's traffic.
   */
  alias: lambda.Alias;
  /** A role of its own, with its log group only: callers grant the rest, statement by statement. */
  role: iam.Role;
  logGroup: logs.LogGroup;
  /** Connects a stream or queue to `live` (see sendToLive). */
  addEventSource(source: lambda.IEventSource): void;
}

/**
 * What every Evergate function shares: Node.js 22 on arm64, `index.handler` of the one bundle,
 * source maps, a log group with the stage's retention, and its own role instead of
 * AWSLambdaBasicExecutionRole (logs go to this one group only). Made in `scope` as `Logs`,
 * `Role` and `Function`, the ids the API and the link-job worker always had (no replacement).
 *
 * And one rule for rollback: every deploy that changes the function publishes a version, which
 * is kept when the next one replaces it (CDK's default deletes it: nothing to roll back to), and
 * points the alias `live` at it. The alias is `Live` in `scope`, the id the API's always had.
 */
export function evergateFunction(scope: Construct, props: EvergateFunctionProps): EvergateFunction {
  const settings = stageSettings(props.stage);
  const logGroup = new logs.LogGroup(scope, "Logs", {
    retention: settings.logRetention,
    removalPolicy: settings.removalPolicy,
  });
  const role = new iam.Role(scope, "Role", {
    assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    description: props.roleDescription,
  });
  logGroup.grantWrite(role);
  const traced = props.environment.TRACING === "on";
  const fn = new lambda.Function(scope, "Function", {
    description: props.description,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    handler: "index.handler",
    code: props.code,
    memorySize: props.memorySize,
    timeout: props.timeout,
    reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    role,
    logGroup,
    // Without it CloudFormation deletes the previous version on every deploy: nothing to roll back to.
    currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
    environment: { ...props.environment, NODE_OPTIONS: "--enable-source-maps" },
    // ACTIVE adds xray:PutTraceSegments and xray:PutTelemetryRecords to the role, and nothing else.
    tracing: traced ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
  });
  if (traced) {
    Validations.of(role.node.findChild("DefaultPolicy")).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "xray:PutTraceSegments and xray:PutTelemetryRecords only (added by active tracing): X-Ray has no resource-level permissions for them.",
    });
  }
  const alias = new lambda.Alias(scope, "Live", {
    aliasName: liveAliasName,
    version: fn.currentVersion,
    description: "The version that serves traffic; move it back to roll back",
  });
  return {
    function: fn,
    alias,
    role,
    logGroup,
    addEventSource: (source) => sendToLive(fn, alias, source),
  };
}

/**
 * The event source mapping CDK makes for the function (its grants, its dead-letter destination,
 * its logical id), sending to `live` instead of `$LATEST`. Made through the alias instead, the
 * mapping would get a new logical id: CloudFormation would create a second mapping, starting at
 * LATEST, before deleting the first (records in between run twice, or not at all if the first had
 * a backlog), and a table stream would briefly have three readers per shard where DynamoDB advises
 * two. Changing FunctionName of the same mapping is an update in place: UpdateEventSourceMapping
 * changes the function it invokes and keeps its position (infra/data-survives.test.ts pins the ids).
 */
function sendToLive(fn: lambda.Function, alias: lambda.Alias, source: lambda.IEventSource): void {
  const before = new Set(fn.node.children);
  fn.addEventSource(source);
  const added = fn.node.children.filter(
    (child): child is lambda.EventSourceMapping =>
      !before.has(child) && child instanceof lambda.EventSourceMapping,
  );
  if (added.length !== 1) {
    throw new Error(`${fn.node.path}: expected one new event source mapping, found ${added.length}`);
  }
  (added[0]?.node.defaultChild as lambda.CfnEventSourceMapping).functionName = alias.functionArn;
}
