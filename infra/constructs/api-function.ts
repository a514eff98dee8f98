import { Aws, Duration } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as destinations from "aws-cdk-lib/aws-lambda-destinations";
import type * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { bucketPrefixes } from "../../src/storage/bucket-layout.ts";
import { type Stage, stageSettings } from "../stage.ts";
import { evergateFunction } from "./evergate-function.ts";

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
  /** The files bucket's customer-managed key (SSE-KMS), if any: the role gets what S3 asks of it. */
  filesKeyArn?: string;
  /** https://{custom domain}: links are minted on it, whatever host a request came through. */
  publicBaseUrl?: string;
  /** TOKEN_KEYS, resolved from the TokenKeys secret at deploy time (infra/constructs/token-keys.ts). */
  tokenKeys: string;
  /** X-Ray: TRACING=on in every function's environment, active tracing and the X-Ray write grant (ADR 029). */
  tracing?: boolean;
  /** At most this many concurrent executions: a flood's ceiling, and what the rest of the account keeps. */
  reservedConcurrency: number;
  /** The files CDN (ADR 024): the API signs its URLs (FILES_CDN_*) with the key its secret holds. */
  filesCdn?: { environment: Record<string, string>; grantSigning(role: iam.IRole): void };
}

/** The Hono app on Lambda, its function URL (IAM auth: only CloudFront may call it) and its role. */
export class ApiFunction extends Construct {
  readonly function: lambda.Function;
  readonly url: lambda.FunctionUrl;
  /** `live`: the published version CloudFront and the sweeper call; moving it back is a rollback. */
  readonly alias: lambda.Alias;
  readonly logGroup: logs.LogGroup;
  /** Where a sweep that failed (after Lambda's two retries) or could not be delivered ends up. */
  readonly sweeperDeadLetterQueue: sqs.Queue;
  readonly role: iam.Role;
  /** The key of the "same client" hash (docs/decisions/012-fair-counting.md), shared by all instances. */
  readonly clientKeySecret: secretsmanager.Secret;
  /**
   * The settings every Evergate function needs to start (src/lambda/main.ts parses them all at
   * cold start): the workers get these, the API these and its edge's.
   */
  readonly appEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    const settings = stageSettings(props.stage);

    this.clientKeySecret = new secretsmanager.Secret(this, "ClientKeySecret", {
      description: "Evergate: key of the same-client hash behind the download grace (ADR 012)",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: settings.removalPolicy,
    });
    this.appEnvironment = {
      TABLE_NAME: props.table.tableName,
      FILES_BUCKET: props.filesBucketName,
      COGNITO_ISSUER: props.cognitoIssuer,
      COGNITO_CLIENT_ID: props.cognitoClientId,
      // Resolved by CloudFormation at deploy time (a dynamic reference): no read at cold start.
      CLIENT_KEY_SECRET: this.clientKeySecret.secretValue.unsafeUnwrap(),
      TOKEN_KEYS: props.tokenKeys,
      // Every function's EMF metrics, per stage: infra/constructs/monitoring.ts alarms on them there.
      METRICS_NAMESPACE: settings.metricsNamespace,
      // evergateFunction() turns on active tracing and the X-Ray grant for it.
      TRACING: props.tracing ? "on" : "off",
      ...(props.publicBaseUrl && { PUBLIC_BASE_URL: props.publicBaseUrl }),
    };

    const api = evergateFunction(this, {
      stage: props.stage,
      code: props.code,
      description: "Evergate API and link redirects (Hono)",
      roleDescription:
        "Evergate API: its log group, two prefixes of the files bucket, the table, AdminGetUser",
      memorySize: 1024,
      timeout: Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        ...this.appEnvironment,
        COGNITO_DOMAIN_URL: props.cognitoDomainUrl,
        // PUBLIC_BASE_URL would need the distribution's domain, which depends on this function.
        // The edge sets X-Forwarded-Host from the viewer's Host instead (see infra/edge/).
        APP_ORIGIN_FROM_REQUEST: "true",
        AUTHORIZATION_HEADER: forwardedAuthorizationHeader,
        // The viewer's address and country, as CloudFront adds them for the origin (the peer is
        // an edge server); infra/constructs/site.ts's origin request policy forwards both.
        CLIENT_ADDRESS_HEADER: "cloudfront-viewer-address",
        CLIENT_COUNTRY_HEADER: "cloudfront-viewer-country",
        // Presigned URLs die with the role session that signed them: keep well below an hour.
        LINK_URL_TTL_SECONDS: "300",
        // Only the API signs GETs; the workers never need the key.
        ...props.filesCdn?.environment,
      },
    });
    this.function = api.function;
    this.alias = api.alias;
    this.role = api.role;
    this.logGroup = api.logGroup;
    this.grantStorage(props);
    props.filesCdn?.grantSigning(this.role);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "UserStatus",
        // Disabled or deleted users are locked out of the API (src/identity/user-status.ts).
        actions: ["cognito-idp:AdminGetUser"],
        resources: [props.userPoolArn],
      }),
    );

    // evergateFunction() publishes a version per deploy and points `live` at it; the URL and the
    // schedule call `live`, so `npm run rollback` moves them (infra/README.md).
    this.url = this.alias.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });

    // The sweeper (unused uploads, replaced files) runs in the same function on a schedule;
    // the S3 lifecycle rule on pending/ stays as the backstop. The schedule is the function's only
    // asynchronous caller, so the alias's async settings are the sweeper's: two retries, then the
    // event goes to a dead-letter queue that infra/constructs/monitoring.ts alarms on.
    this.sweeperDeadLetterQueue = new sqs.Queue(this, "SweeperDeadLetters", {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    this.alias.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.minutes(15),
      onFailure: new destinations.SqsDestination(this.sweeperDeadLetterQueue),
    });
    new events.Rule(this, "Sweeper", {
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [
        new targets.LambdaFunction(this.alias, {
          event: events.RuleTargetInput.fromObject({ evergate: "sweep" }),
          deadLetterQueue: this.sweeperDeadLetterQueue,
          retryAttempts: 2,
        }),
      ],
    });
  }

  /**
   * The distribution may call the `live` alias through its URL. CloudFront's origin adds the same
   * grants on the URL's FunctionArn; these name the alias's qualified ARN outright, so a rollback
   * (update-alias) keeps working whichever ARN that attribute resolves to.
   */
  allowInvocationFrom(distributionArn: string): void {
    const principal = new iam.ServicePrincipal("cloudfront.amazonaws.com");
    this.alias.addPermission("CloudFrontInvokesLiveUrl", {
      principal,
      action: "lambda:InvokeFunctionUrl",
      functionUrlAuthType: lambda.FunctionUrlAuthType.AWS_IAM,
      sourceArn: distributionArn,
    });
    this.alias.addPermission("CloudFrontInvokesLive", {
      principal,
      action: "lambda:InvokeFunction",
      invokedViaFunctionUrl: true,
      sourceArn: distributionArn,
    });
  }

  /**
   * SSE-KMS: S3 calls KMS as the requester, and the requester of a presigned URL is whoever signed
   * it: this role. GET (and CopyObject's source) need kms:Decrypt; PUT (and CopyObject's target)
   * need kms:GenerateDataKey; nothing else (no Encrypt: S3 never calls it for SSE-KMS). Only through
   * S3 in this region, and only for this bucket (with a bucket key the encryption context is the
   * bucket's ARN).
   */
  private grantFilesKey(keyArn: string, bucketArn: string): void {
    const conditions = {
      StringEquals: {
        "kms:ViaService": `s3.${Aws.REGION}.amazonaws.com`,
        "kms:EncryptionContext:aws:s3:arn": bucketArn,
      },
    };
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "FilesKeyForGet",
        actions: ["kms:Decrypt"],
        resources: [keyArn],
        conditions,
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "FilesKeyForPut",
        actions: ["kms:GenerateDataKey"],
        resources: [keyArn],
        conditions,
      }),
    );
  }

  /** Exactly the calls src/storage makes, on exactly the resources it touches. */
  private grantStorage(props: ApiFunctionProps): void {
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${props.filesBucketName}`;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "FilesUnderEvergatePrefixes",
        // GetObject covers HeadObject; CopyObject (pending/ → files/) is GetObject + PutObject;
        // PutObject covers the multipart calls but aborting one (ADR 026).
        actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
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
    if (props.filesKeyArn) this.grantFilesKey(props.filesKeyArn, bucketArn);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: "TableItems",
        // DescribeTable is the /api/health probe; BatchGetItem reads a list page's items after a
        // keys-only index query. No batch writes, no transactions; Scan only in its own statement.
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
        sid: "AdminReportScan",
        // GET /api/admin/links-out-of-policy (admins only): one bounded Scan page per request.
        actions: ["dynamodb:Scan"],
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
