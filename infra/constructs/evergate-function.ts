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
  /** Keep every published version (the API's `live` alias rolls back to one). */
  retainVersions?: boolean;
}

export interface EvergateFunction {
  function: lambda.Function;
  /** A role of its own, with its log group only: callers grant the rest, statement by statement. */
  role: iam.Role;
  logGroup: logs.LogGroup;
}

/**
 * What every Evergate function shares: Node.js 22 on arm64, `index.handler` of the one bundle,
 * source maps, a log group with the stage's retention, and its own role instead of
 * AWSLambdaBasicExecutionRole (logs go to this one group only). Made in `scope` as `Logs`,
 * `Role` and `Function`, the ids the API and the link-job worker always had (no replacement).
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
    ...(props.retainVersions && { currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN } }),
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
  return { function: fn, role, logGroup };
}
