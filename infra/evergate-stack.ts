import { Aws, CfnOutput, Fn, Stack, type StackProps } from "aws-cdk-lib";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import { AccessEventConsumer } from "./constructs/access-events.ts";
import { ApiFunction } from "./constructs/api-function.ts";
import { Auth, defaultDomainPrefix } from "./constructs/auth.ts";
import { CustomDomain, type DomainSettings } from "./constructs/custom-domain.ts";
import { Data } from "./constructs/data.ts";
import { EdgeFirewall } from "./constructs/edge-firewall.ts";
import { FilesCdn, type FilesCdnSettings } from "./constructs/files-cdn.ts";
import { LinkJobWorker } from "./constructs/link-jobs.ts";
import { Monitoring, type WebAclWatch } from "./constructs/monitoring.ts";
import { Site } from "./constructs/site.ts";
import { TokenKeys } from "./constructs/token-keys.ts";
import { WebhookDelivery, WebhookQueue } from "./constructs/webhook-delivery.ts";
import { acknowledgeNagFindings } from "./nag-acknowledgements.ts";
import { type Stage, stageSettings } from "./stage.ts";

export interface EvergateStackProps extends StackProps {
  stage: Stage;
  /** The API bundle: Code.fromAsset("dist/lambda") in app.ts, inline stub code in tests. */
  apiCode: lambda.Code;
  /** The built SPA (dist/webapp); when undefined the webapp bucket is left as it is. */
  webappDir?: string;
  /** Extra browser origins for S3 CORS and Cognito callbacks, e.g. http://localhost:3000 in dev. */
  localOrigins?: string[];
  /** Let anyone create an account on the managed login page (default: invitation only). */
  selfSignUp?: boolean;
  /** Managed login domain prefix (default: evergate-{stage}-{account}). */
  authDomainPrefix?: string;
  /** Links and the webapp on a name of our own, so they outlive the distribution (ADR 019). */
  domain?: DomainSettings;
  /** Files bucket encrypted with a customer-managed KMS key (SSE-KMS) instead of SSE-S3. */
  filesKms?: boolean;
  /** Alarms are mailed here (the address must confirm the SNS subscription). */
  alarmEmail?: string;
  /**
   * Another WAF web ACL in front of the distribution (-c webAclName), watched for spikes of blocked
   * requests instead of the stack's own (EdgeFirewall, watched by default).
   */
  webAcl?: WebAclWatch;
  /** Ids of the token keys in the TokenKeys secret, the minting one first (default: ["a"]). */
  tokenKeyIds?: readonly string[];
  /** The TokenKeys secret of the deployment this one replaces, by complete ARN (default: generated). */
  tokenKeysSecretArn?: string;
  /** X-Ray traces of every function (Powertools Tracer, TRACING=on; default off: ADR 029). */
  tracing?: boolean;
  /** The function's reserved concurrency: its ceiling under a flood (default: dev 20, prod 200). */
  reservedConcurrency?: number;
  /**
   * The files through CloudFront signed URLs (ADR 024): its key pair. app.ts sets it by default in
   * prod (`parseFilesCdnSettings`); absent: downloads are presigned S3 URLs.
   */
  filesCdn?: FilesCdnSettings;
}

/**
 * Evergate on AWS: CloudFront → (webapp bucket | Lambda function URL) → DynamoDB + S3, Cognito
 * for sign-in. See docs/decisions/006-infrastructure.md.
 */
export class EvergateStack extends Stack {
  readonly stage: Stage;
  readonly data: Data;
  readonly auth: Auth;
  readonly api: ApiFunction;
  readonly linkJobs: LinkJobWorker;
  /** The table's stream → access events and webhook deliveries (ADR 021). */
  readonly accessEvents: AccessEventConsumer;
  readonly webhookQueue: WebhookQueue;
  readonly webhookDelivery: WebhookDelivery;
  readonly site: Site;
  readonly domain?: CustomDomain;
  /** Alarms, their topic and the dashboard; watchDeadLetterQueue() / watchWebAcl() add more. */
  readonly monitoring: Monitoring;
  readonly firewall: EdgeFirewall;
  readonly tokenKeys: TokenKeys;
  /** The files distribution (CloudFront signed URLs), when `filesCdn` is given. */
  readonly filesCdn?: FilesCdn;

  constructor(scope: Construct, id: string, props: EvergateStackProps) {
    super(scope, id, props);
    this.stage = props.stage;
    const localOrigins = props.localOrigins ?? [];

    this.domain = props.domain && new CustomDomain(this, "Domain", props.domain);
    this.data = new Data(this, "Data", { stage: props.stage, filesKms: props.filesKms });
    this.auth = new Auth(this, "Auth", {
      stage: props.stage,
      selfSignUp: props.selfSignUp ?? false,
      domainPrefix: props.authDomainPrefix ?? defaultDomainPrefix(props.stage, this),
      localOrigins,
    });
    this.tokenKeys = new TokenKeys(this, "TokenKeys", {
      stage: props.stage,
      keyIds: props.tokenKeyIds ?? ["a"],
      secretArn: props.tokenKeysSecretArn,
    });
    this.firewall = new EdgeFirewall(this, "EdgeFirewall", { stage: props.stage });
    this.filesCdn =
      props.filesCdn &&
      new FilesCdn(this, "FilesCdn", {
        stage: props.stage,
        bucket: this.data.filesBucket,
        bucketName: this.data.filesBucketName,
        bucketKey: this.data.filesKey,
        webAclId: this.firewall.webAclArnIfCreated,
        settings: props.filesCdn,
      });
    this.api = new ApiFunction(this, "Api", {
      stage: props.stage,
      tokenKeys: this.tokenKeys.environmentValue,
      reservedConcurrency: props.reservedConcurrency ?? (props.stage === "prod" ? 200 : 20),
      tracing: props.tracing ?? false,
      code: props.apiCode,
      table: this.data.table,
      filesBucketName: this.data.filesBucketName,
      cognitoIssuer: this.auth.issuerUrl,
      userPoolArn: this.auth.userPool.userPoolArn,
      cognitoClientId: this.auth.webClientId,
      cognitoDomainUrl: this.auth.domainUrl,
      publicBaseUrl: this.domain?.url,
      filesKeyArn: this.data.filesKey?.keyArn,
      filesCdn: this.filesCdn,
    });
    this.linkJobs = new LinkJobWorker(this, "LinkJobs", {
      stage: props.stage,
      code: props.apiCode,
      table: this.data.table,
      filesBucketName: this.data.filesBucketName,
      environment: this.api.appEnvironment,
    });
    this.webhookQueue = new WebhookQueue(this, "WebhookQueue", { stage: props.stage });
    // Redeliver and ping queue an attempt from the API.
    this.webhookQueue.allowSendingFrom(this.api.function);
    this.accessEvents = new AccessEventConsumer(this, "AccessEvents", {
      stage: props.stage,
      code: props.apiCode,
      table: this.data.table,
      environment: this.api.appEnvironment,
      webhookQueue: this.webhookQueue,
    });
    this.webhookDelivery = new WebhookDelivery(this, "WebhookDelivery", {
      stage: props.stage,
      code: props.apiCode,
      table: this.data.table,
      environment: this.api.appEnvironment,
      webhookQueue: this.webhookQueue,
    });
    this.site = new Site(this, "Site", {
      stage: props.stage,
      functionUrl: this.api.url,
      webappDir: props.webappDir,
      webappOrigins: {
        // Where the Lambda's presigned URLs point: the bucket's virtual-hosted regional endpoint.
        s3: `https://${this.data.filesBucketName}.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`,
        identity: this.auth.domainUrl,
        // Promo images come from the files CDN when it is on.
        ...(this.filesCdn && { files: this.filesCdn.url }),
      },
      webAclId: this.firewall.webAclArnIfCreated,
      domain: this.domain,
    });
    this.domain?.pointAt(this.site.distribution);
    this.api.allowInvocationFrom(this.site.distribution.distributionArn);
    this.monitoring = new Monitoring(this, "Monitoring", {
      stage: props.stage,
      api: this.api.alias,
      metricsNamespace: stageSettings(props.stage).metricsNamespace,
      table: this.data.table,
      sweeperDeadLetterQueue: this.api.sweeperDeadLetterQueue,
      alarmEmail: props.alarmEmail,
      webAcl: props.webAcl,
    });
    if (!props.webAcl) {
      // The stack's own web ACL, which exists only in us-east-1: so does its alarm.
      const blocked = this.monitoring.watchWebAcl({ name: this.firewall.metricName });
      (blocked.node.defaultChild as cloudwatch.CfnAlarm).cfnOptions.condition = this.firewall.condition;
    }
    this.monitoring.watchDeadLetterQueue(
      "LinkJobs",
      this.linkJobs.deadLetters,
      "A link job's stream record failed four times: its links were not all revoked or re-pointed (the minute schedule retries the job itself).",
    );
    this.monitoring.watchDeadLetterQueue(
      "AccessEvents",
      this.accessEvents.deadLetters,
      "Stream records the access-event consumer gave up on (3 retries or a day old): their events and webhooks are missing. The message names the shard and sequence numbers.",
    );
    this.monitoring.watchDeadLetterQueue(
      "WebhookDelivery",
      this.webhookQueue.deadLetters,
      "Webhook jobs that failed on our side 5 times (not a receiver's failure, which is retried on schedule): the delivery stays pending; the owner can redeliver it.",
    );
    this.monitoring.watchFunctionErrors(
      "AccessEvents",
      this.accessEvents.function,
      "The access-event consumer threw or timed out: its batch is retried, halved, then parked in its dead-letter queue; events are late meanwhile.",
    );

    // Both need the distribution's domain, so both come after it.
    this.data.allowBrowserUploadsFrom([this.site.url, ...localOrigins]);
    this.auth.registerSiteOrigin(this.site.url);

    this.output("SiteUrl", this.site.url, "The webapp, the API and the links");
    this.output("ApiUrl", `${this.site.url}/api`, "Base URL of the HTTP API");
    this.output("UserPoolId", this.auth.userPool.userPoolId, "For aws cognito-idp admin-create-user");
    this.output("UserPoolClientId", this.auth.webClientId, "The webapp's public app client");
    this.output("CognitoDomainUrl", this.auth.domainUrl, "Managed login base URL");
    this.output("FilesBucketName", this.data.filesBucketName, "Uploads (pending/) and deliverables (files/)");
    this.output("TableName", this.data.table.tableName, "The single DynamoDB table");
    // `npm run rollback` (scripts/rollback.ts) moves the alias of every {Name}FunctionName /
    // {Name}FunctionAlias pair it finds here: a function without the pair would stay behind.
    const live = {
      Api: this.api,
      LinkJobs: this.linkJobs,
      AccessEvents: this.accessEvents,
      WebhookDelivery: this.webhookDelivery,
    };
    for (const [name, { function: fn, alias }] of Object.entries(live)) {
      this.output(`${name}FunctionName`, fn.functionName, `${name}: what npm run rollback moves; its logs`);
      this.output(`${name}FunctionAlias`, alias.aliasName, `${name}: the alias that serves its traffic`);
    }
    this.output(
      "AlarmTopicArn",
      this.monitoring.topic.topicArn,
      "Every alarm; subscribe more endpoints here",
    );
    this.output("DashboardName", this.monitoring.dashboard.dashboardName, "CloudWatch dashboard");
    this.output(
      "WebAcl",
      Fn.conditionIf(
        this.firewall.condition.logicalId,
        this.firewall.webAcl.attrArn,
        "absent: a CloudFront web ACL can only be created in us-east-1 (docs/decisions/014-rate-limits.md)",
      ).toString(),
      "The WAF web ACL on the distribution",
    );
    this.output("DistributionId", this.site.distribution.distributionId, "For manual invalidations");
    if (this.filesCdn) {
      this.output(
        "FilesCdnUrl",
        this.filesCdn.url,
        "Where downloads and promo images are served (signed URLs)",
      );
      this.output(
        "FilesCdnKeyPairId",
        this.filesCdn.environment.FILES_CDN_KEY_PAIR_ID as string,
        "The CloudFront public key that signs them",
      );
    }
    this.output(
      "DistributionDomainName",
      this.site.distribution.distributionDomainName,
      this.domain && !this.domain.managesDns
        ? `Point ${this.domain.domainName} at this name (CNAME, or an alias record in Route 53)`
        : "CloudFront's own name for the site",
    );

    acknowledgeNagFindings(this);
  }

  private output(id: string, value: string, description: string): void {
    new CfnOutput(this, id, { value, description });
  }
}
