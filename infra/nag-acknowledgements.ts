import { type CfnElement, Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import type { AccessEventConsumer } from "./constructs/access-events.ts";
import type { ApiFunction } from "./constructs/api-function.ts";
import type { Auth } from "./constructs/auth.ts";
import type { Data } from "./constructs/data.ts";
import type { FilesCdn } from "./constructs/files-cdn.ts";
import type { LinkJobWorker } from "./constructs/link-jobs.ts";
import { Site } from "./constructs/site.ts";
import type { TokenKeys } from "./constructs/token-keys.ts";
import type { WebhookDelivery } from "./constructs/webhook-delivery.ts";
import type { Stage } from "./stage.ts";

/** What the acknowledgements look at: the stack's parts, without importing the stack (no cycle). */
export interface NaggedStack extends Stack {
  readonly stage: Stage;
  readonly data: Data;
  readonly auth: Auth;
  readonly api: ApiFunction;
  readonly linkJobs: LinkJobWorker;
  readonly accessEvents: AccessEventConsumer;
  readonly webhookDelivery: WebhookDelivery;
  readonly site: Site;
  readonly domain?: unknown;
  readonly tokenKeys: TokenKeys;
  readonly filesCdn?: FilesCdn;
}

const acknowledge = (scope: IConstruct, id: string, reason: string) =>
  Validations.of(scope).acknowledge({ id, reason });

/**
 * Every cdk-nag (AwsSolutions) finding we accept, each on the construct it concerns and with why.
 * Nothing is acknowledged stack-wide, so a new resource is checked in full.
 */
export function acknowledgeNagFindings(stack: NaggedStack): void {
  const { data, auth, api, site, linkJobs, accessEvents, webhookDelivery } = stack;

  for (const bucket of [data.filesBucket, site.webappBucket]) {
    acknowledge(
      bucket,
      "AwsSolutions-S1",
      "No server access logs yet: every link use and upload is logged by the API, the webapp bucket " +
        "is public content behind CloudFront, and a log bucket would need its own exemption. " +
        "Revisit if downloads need a per-request S3 audit trail.",
    );
  }

  acknowledge(
    api.clientKeySecret,
    "AwsSolutions-SMG4",
    "The same-client key only makes grace-window keys (15 minutes) unlinkable to addresses; the " +
      "Lambda reads it at deploy time, so rotating means redeploying, which resets grace windows.",
  );
  acknowledge(
    auth.userPool,
    "AwsSolutions-COG8",
    "Essentials plan: the Plus plan (threat protection) costs per MAU and sign-ups are invitation-only by default.",
  );
  acknowledge(
    auth.userPool,
    "AwsSolutions-COG2",
    "MFA is optional (TOTP); requiring it for shop customers is a product decision, not made yet.",
  );

  const filesArn = `arn:<AWS::Partition>:s3:::evergate-${stack.stage}-files-<AWS::AccountId>-<AWS::Region>`;
  const tableLogicalId = Stack.of(data.table).getLogicalId(data.table.node.defaultChild as CfnElement);
  const apiPolicy = api.role.node.findChild("DefaultPolicy");
  acknowledge(
    apiPolicy,
    `AwsSolutions-IAM5[Resource::${filesArn}/pending/*]`,
    "Object ARNs under pending/ only: upload keys are generated at run time.",
  );
  acknowledge(
    apiPolicy,
    `AwsSolutions-IAM5[Resource::${filesArn}/files/*]`,
    "Object ARNs under files/ only: deliverable keys are generated at run time.",
  );
  acknowledge(
    apiPolicy,
    `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
    "dynamodb:Query on this table's own indexes (gsi1, gsi2) only.",
  );
  acknowledge(
    api.sweeperDeadLetterQueue,
    "AwsSolutions-SQS3",
    "It is the dead-letter queue (of the sweeper's asynchronous invocations); it needs none of its own.",
  );
  acknowledge(
    api.function,
    "AwsSolutions-L1",
    "Pinned to nodejs22.x on purpose: the bundle is built and tested for Node 22 (ADR 006).",
  );

  acknowledge(
    linkJobs.function,
    "AwsSolutions-L1",
    "Pinned to nodejs22.x on purpose: the same bundle as the API, built and tested for Node 22 (ADR 006).",
  );
  acknowledge(
    linkJobs.deadLetters,
    "AwsSolutions-SQS3",
    "This queue is the dead-letter destination itself (of the link-job stream source); nothing consumes from it.",
  );
  const workerPolicy = linkJobs.role.node.findChild("DefaultPolicy");
  acknowledge(
    workerPolicy,
    `AwsSolutions-IAM5[Resource::${filesArn}/files/*]`,
    "DeleteObject under files/ only: a job deletes a deleted product's or replaced deliverable's keys.",
  );
  acknowledge(
    workerPolicy,
    "AwsSolutions-IAM5[Resource::*]",
    "dynamodb:ListStreams, which IAM cannot scope to a table; granted by CDK's grantStreamRead for the stream source.",
  );

  for (const worker of [accessEvents.function, webhookDelivery.function]) {
    acknowledge(
      worker,
      "AwsSolutions-L1",
      "Pinned to nodejs22.x on purpose: the same bundle as the API, built and tested for Node 22 (ADR 006).",
    );
  }
  acknowledge(
    accessEvents.deadLetters,
    "AwsSolutions-SQS3",
    "This queue is the dead-letter destination itself (of the access-event stream source); nothing consumes from it.",
  );

  acknowledge(
    site.distribution,
    "AwsSolutions-CFR3",
    "No CloudFront standard logs yet: /api and /l requests are logged by the function. Add logging v2 when needed.",
  );
  if (!stack.domain) {
    acknowledge(
      site.distribution,
      "AwsSolutions-CFR4",
      "The default *.cloudfront.net certificate cannot raise the minimum TLS version: deploy with -c domainName=… (TLSv1.2_2021).",
    );
  }
  acknowledge(site.distribution, "AwsSolutions-CFR1", "A global shop: no geo restriction.");
  acknowledge(
    stack.tokenKeys.secret,
    "AwsSolutions-SMG4",
    "Rotated by hand (ADR 015): a new key id is added beside the old one and both verify; an automatic " +
      "rotation would replace the key and break every link it tagged.",
  );

  if (stack.filesCdn) {
    const files = stack.filesCdn.distribution;
    acknowledge(
      files,
      "AwsSolutions-CFR3",
      "No CloudFront standard logs yet: every signed URL is handed out by the function, which logs the hit that got it.",
    );
    acknowledge(
      files,
      "AwsSolutions-CFR4",
      "The files CDN serves on its *.cloudfront.net name, whose default certificate cannot raise the minimum TLS version.",
    );
    acknowledge(files, "AwsSolutions-CFR1", "A global shop's downloads: no geo restriction.");
  }

  acknowledgeCdkSingletons(stack);
}

/** Lambdas that CDK constructs add at stack level: their code and roles are CDK's, not ours. */
function acknowledgeCdkSingletons(stack: NaggedStack): void {
  const basicExecutionRole =
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]";

  const updateClientProvider = stack.node.tryFindChild("AWS679f53fac002430cb0da5b7982bd2287");
  if (updateClientProvider) {
    acknowledge(
      updateClientProvider,
      basicExecutionRole,
      "CDK's AwsCustomResource provider (UpdateUserPoolClient on this pool only); it only needs to write its logs.",
    );
  }

  const deployment = Site.bucketDeploymentHandler(stack);
  if (deployment) {
    const why = "CDK's BucketDeployment handler copies the built webapp from the CDK asset bucket";
    acknowledge(deployment, basicExecutionRole, `${why}; the managed policy only lets it write its logs.`);
    acknowledge(deployment, "AwsSolutions-L1", `${why}; CDK chooses and updates its runtime.`);
    for (const action of ["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"]) {
      acknowledge(
        deployment,
        `AwsSolutions-IAM5[Action::${action}]`,
        `${why}; CDK's grants, limited to the asset bucket and the webapp bucket.`,
      );
    }
    const webappBucketId = Stack.of(stack).getLogicalId(
      stack.site.webappBucket.node.defaultChild as CfnElement,
    );
    acknowledge(
      deployment,
      `AwsSolutions-IAM5[Resource::<${webappBucketId}.Arn>/*]`,
      `${why}; it writes and prunes every object of the webapp bucket.`,
    );
    acknowledge(
      deployment,
      "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]",
      `${why}; it reads its source zip from the bootstrap asset bucket.`,
    );
    acknowledge(
      deployment,
      "AwsSolutions-IAM5[Resource::*]",
      `${why}; CDK grants its cloudfront:CreateInvalidation/GetInvalidation on * and offers no way to narrow it.`,
    );
  }
}
