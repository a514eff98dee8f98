import { Aws, Duration } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { bucketPrefixes } from "../../src/storage/bucket-layout.ts";
import { tableKeys } from "../../src/storage/table-definition.ts";
import { type Stage, stageSettings } from "../stage.ts";

/** How long a deleted or overwritten file can be brought back. */
export const noncurrentVersionDays = (stage: Stage) => (stage === "prod" ? 30 : 7);

export interface DataProps {
  stage: Stage;
  /** Encrypt the files bucket with a customer-managed KMS key instead of S3's own (ADR 020). */
  filesKms?: boolean;
}

/** The single table and the files bucket: everything Evergate stores. */
export class Data extends Construct {
  readonly table: dynamodb.TableV2;
  readonly filesBucket: s3.Bucket;
  /**
   * The files bucket's name, known before the bucket exists. The function reads it from its
   * environment and the bucket's CORS rule names the CloudFront origin; referencing the bucket
   * itself from the function would close a loop (function → bucket → distribution → function).
   */
  readonly filesBucketName: string;
  /** The customer-managed key of the files bucket, when `filesKms` is set. */
  readonly filesKey?: kms.Key;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    const settings = stageSettings(props.stage);

    this.table = new dynamodb.TableV2(this, "Table", {
      tableName: `evergate-${props.stage}`,
      partitionKey: { name: tableKeys.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableKeys.sortKey, type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: tableKeys.indexes.map((index) => ({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        // Keys only: a redirect updates counters that no index holds, so it writes 1 unit, not 3.
        projectionType: dynamodb.ProjectionType.KEYS_ONLY,
      })),
      billing: dynamodb.Billing.onDemand(),
      // New link jobs reach their worker through the stream (infra/constructs/link-jobs.ts); access
      // events are the difference between a link's old and new image (infra/constructs/access-events.ts).
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: "expiresAtEpoch",
      deletionProtection: settings.deletionProtection,
      removalPolicy: settings.removalPolicy,
    });

    this.filesBucketName = `evergate-${props.stage}-files-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
    if (props.filesKms) {
      // Losing the key loses every file: retained in prod like the bucket, rotated yearly.
      this.filesKey = new kms.Key(this, "FilesKey", {
        description: `Evergate ${props.stage}: files bucket (SSE-KMS)`,
        enableKeyRotation: true,
        removalPolicy: settings.removalPolicy,
        pendingWindow: Duration.days(settings.isProd ? 30 : 7),
      });
    }
    this.filesBucket = new s3.Bucket(this, "FilesBucket", {
      bucketName: this.filesBucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // With a bucket key S3 asks KMS once per bucket key, not per object: cheaper, and the
      // encryption context is the bucket's ARN, which the role's KMS grants are conditioned on.
      ...(this.filesKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: this.filesKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // The role may DeleteObject (the sweeper, product deletes) but not DeleteObjectVersion: on a
      // versioned bucket a delete or an overwrite keeps the old version, restorable for
      // noncurrentVersionDays (ADR 019); then it expires, so deleted files do not cost forever.
      versioned: true,
      lifecycleRules: [
        { id: "expire-abandoned-uploads", prefix: bucketPrefixes.pending, expiration: Duration.days(1) },
        { id: "abort-incomplete-multipart-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
        {
          id: "expire-noncurrent-versions",
          noncurrentVersionExpiration: Duration.days(noncurrentVersionDays(props.stage)),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: settings.removalPolicy,
      autoDeleteObjects: !settings.isProd,
    });
  }

  /** Browsers PUT to presigned URLs from the site (and, in dev, the local server) only. */
  allowBrowserUploadsFrom(origins: string[]): void {
    this.filesBucket.addCorsRule({
      allowedOrigins: origins,
      allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
      allowedHeaders: ["content-type", "content-length"],
      exposedHeaders: ["ETag"],
      maxAge: 3600,
    });
  }
}
