import { Aws, Duration } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { bucketPrefixes } from "../../src/storage/bucket-layout.ts";
import { type Stage, stageSettings } from "../stage.ts";

/** Header the edge copies the viewer's `Authorization` into: OAC overwrites the original. */
export const forwardedAuthorizationHeader = "x-evergate-authorization";

export interface ApiFunctionProps {
  stage: Stage;
  code: lambda.Code;
  table: dynamodb.ITableV2;
  filesBucketName: string;
  cognitoIssuer: string;
  /** The pool the app asks whether a caller is still enabled (AdminGetUser). */
  userPoolArn: string;
  cognitoClientId: string;
  cognitoDomainUrl: string;
  /** TOKEN_KEYS, resolved from the TokenKeys secret at deploy time (infra/constructs/token-keys.ts). */
  tokenKeys: string;
  /** At most this many concurrent executions: a flood's ceiling, and what the rest of the account keeps. */
  reservedConcurrency: number;
}

/** The Hono app on Lambda, its function URL (IAM auth: only CloudFront may call it) and its role. */
export class ApiFunction extends Construct {
  readonly function: lambda.Function;
  readonly url: lambda.FunctionUrl;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    const settings = stageSettings(props.stage);

    const logGroup = new logs.LogGroup(this, "Logs", {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });

    // A role of our own instead of AWSLambdaBasicExecutionRole: logs go to this one log group only.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: "Evergate API: its log group, two prefixes of the files bucket, the table, AdminGetUser",
    });
    logGroup.grantWrite(this.role);
    this.grantStorage(props);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "UserStatus",
        // Disabled or deleted users are locked out of the API (src/identity/user-status.ts).
        actions: ["cognito-idp:AdminGetUser"],
        resources: [props.userPoolArn],
      }),
    );

    this.function = new lambda.Function(this, "Function", {
      description: "Evergate API and link redirects (Hono)",
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: "index.handler",
      code: props.code,
      memorySize: 1024,
      timeout: Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup,
      environment: {
        TABLE_NAME: props.table.tableName,
        FILES_BUCKET: props.filesBucketName,
        COGNITO_ISSUER: props.cognitoIssuer,
        COGNITO_CLIENT_ID: props.cognitoClientId,
        COGNITO_DOMAIN_URL: props.cognitoDomainUrl,
        // PUBLIC_BASE_URL would need the distribution's domain, which depends on this function.
        // The edge sets X-Forwarded-Host from the viewer's Host instead (see infra/edge/).
        APP_ORIGIN_FROM_REQUEST: "true",
        AUTHORIZATION_HEADER: forwardedAuthorizationHeader,
        // Presigned URLs die with the role session that signed them: keep well below an hour.
        LINK_URL_TTL_SECONDS: "300",
        // The function URL's peer is a CloudFront edge; the viewer's address is in this header
        // (the origin request policy forwards CloudFront's headers). Rate limits key on it.
        CLIENT_ADDRESS_HEADER: "cloudfront-viewer-address",
        TOKEN_KEYS: props.tokenKeys,
        NODE_OPTIONS: "--enable-source-maps",
      },
    });

    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });

    // The sweeper (unused uploads, replaced files) runs in the same function on a schedule;
    // the S3 lifecycle rule on pending/ stays as the backstop.
    new events.Rule(this, "Sweeper", {
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [
        new targets.LambdaFunction(this.function, {
          event: events.RuleTargetInput.fromObject({ evergate: "sweep" }),
        }),
      ],
    });
  }

  /** Exactly the calls src/storage makes, on exactly the resources it touches. */
  private grantStorage(props: ApiFunctionProps): void {
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${props.filesBucketName}`;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "FilesUnderEvergatePrefixes",
        // GetObject covers HeadObject; CopyObject (pending/ → files/) is GetObject + PutObject.
        actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        resources: [`${bucketArn}/${bucketPrefixes.pending}*`, `${bucketArn}/${bucketPrefixes.files}*`],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "FilesBucketHead",
        // HeadBucket for /api/health; and without it S3 answers 403, not 404, for a missing key.
        actions: ["s3:ListBucket"],
        resources: [bucketArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "TableItems",
        // DescribeTable is the /api/health probe; BatchGetItem reads a list page's items after a
        // keys-only index query. No Scan, no batch writes, no transactions.
        actions: [
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:Query",
          "dynamodb:DescribeTable",
        ],
        resources: [props.table.tableArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "TableIndexQueries",
        actions: ["dynamodb:Query"],
        resources: [`${props.table.tableArn}/index/*`],
      }),
    );
  }
}
