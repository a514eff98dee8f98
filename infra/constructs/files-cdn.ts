import { createHash, createPublicKey } from "node:crypto";
import { Annotations, Aws, Duration } from "aws-cdk-lib";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { bucketPrefixes } from "../../src/storage/bucket-layout.ts";
import type { Stage } from "../stage.ts";

/** The files CDN's key pair, made by an operator (infra/README.md, "The files CDN's key pair"). */
export interface FilesCdnSettings {
  /**
   * PEM public keys (RSA 2048) the distribution trusts, the signing one first: during a rotation
   * the new one first and the old one until the URLs it signed have expired (≤ the URL TTL).
   */
  publicKeys: readonly string[];
  /** Complete ARN of the Secrets Manager secret whose string is the first key's PEM private key. */
  privateKeySecretArn: string;
}

export interface FilesCdnProps {
  stage: Stage;
  bucket: s3.Bucket;
  /** Its name, known before it exists (Data.filesBucketName): naming the resource would close a loop. */
  bucketName: string;
  /** The bucket's customer-managed key (SSE-KMS), if any: CloudFront's reads need kms:Decrypt. */
  bucketKey?: kms.Key;
  webAclId?: string;
  settings: FilesCdnSettings;
}

/** The path the bucket's `files/` keys are served under: the same string, so no rewriting. */
export const filesPathPattern = `/${bucketPrefixes.files}*`;
/** The only query parameters in the cache key (and sent to S3): the pinned headers of ADR 016. */
export const filesCacheKeyQueryStrings = ["response-cache-control", "response-content-disposition"] as const;

const secretArnPattern = /^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/;

/** Refuses at synth what CloudFront or the app would refuse at deploy or at the first download. */
export function checkFilesCdnSettings(settings: FilesCdnSettings): void {
  if (settings.publicKeys.length === 0 || settings.publicKeys.length > 5) {
    throw new Error("The files CDN needs 1 to 5 public keys (a CloudFront key group holds at most 5).");
  }
  for (const pem of settings.publicKeys) {
    let details: ReturnType<typeof createPublicKey>["asymmetricKeyDetails"];
    let type: string | undefined;
    try {
      const key = createPublicKey(pem);
      details = key.asymmetricKeyDetails;
      type = key.asymmetricKeyType;
    } catch {
      throw new Error("A files CDN public key is not a PEM public key (openssl rsa -pubout).");
    }
    if (type !== "rsa" || details?.modulusLength !== 2048) {
      throw new Error(
        `A files CDN public key must be RSA 2048, got ${type} ${details?.modulusLength ?? ""}.`,
      );
    }
  }
  if (!secretArnPattern.test(settings.privateKeySecretArn)) {
    throw new Error(
      "filesCdnKeySecretArn must be the complete ARN of the Secrets Manager secret holding the private key " +
        "(what `aws secretsmanager create-secret` answers as ARN).",
    );
  }
}

/**
 * Reads `-c filesCdn=on|off`, `-c filesCdnPublicKeys=a.pem,b.pem` and `-c filesCdnKeySecretArn=…`.
 * On by default in prod: prod without a key pair stops synthesis with what to do, unless
 * `-c filesCdn=off` says the downloads stay on presigned S3 URLs. Off by default in dev.
 */
export function parseFilesCdnSettings(
  stage: Stage,
  context: (key: string) => unknown,
  readFile: (path: string) => string,
): FilesCdnSettings | undefined {
  const read = (key: string) => {
    const value = context(key);
    return value === undefined || value === "" ? undefined : String(value);
  };
  const switchedTo = read("filesCdn");
  if (switchedTo !== undefined && switchedTo !== "on" && switchedTo !== "off") {
    throw new Error(`-c filesCdn must be on or off, got "${switchedTo}".`);
  }
  const keyFiles = read("filesCdnPublicKeys");
  const secretArn = read("filesCdnKeySecretArn");
  if (switchedTo === "off") return undefined;
  const on = switchedTo === "on" || stage === "prod" || keyFiles !== undefined || secretArn !== undefined;
  if (!on) return undefined;
  if (!keyFiles || !secretArn) {
    throw new Error(
      `The files CDN is on${switchedTo === "on" ? "" : ` by default in ${stage}`} and needs its key pair: ` +
        'make one and store its private key as infra/README.md says ("The files CDN\'s key pair"), then ' +
        "deploy with -c filesCdnPublicKeys=<public.pem> -c filesCdnKeySecretArn=<the secret's ARN>; " +
        "or -c filesCdn=off to serve files from presigned S3 URLs.",
    );
  }
  const settings = {
    publicKeys: keyFiles.split(",").map((path) => readFile(path.trim())),
    privateKeySecretArn: secretArn,
  };
  checkFilesCdnSettings(settings);
  return settings;
}

/**
 * The files through CloudFront (ADR 024): a distribution of its own in front of the private files
 * bucket (origin access control; the bucket policy lets only this distribution read, and only
 * `files/`), whose behaviours all require CloudFront signed URLs from a trusted key group, so the
 * edge checks every request's signature and expiry before it looks in its cache. `/files/*` is
 * cached at the edge under a key that holds the path and the two pinned `response-*` parameters,
 * never `Expires`, `Signature` or `Key-Pair-Id`: every valid URL to a file shares one cached copy.
 *
 * Its own distribution, not a behaviour of the site's: the API function needs this domain in its
 * environment, and the site's distribution depends on the function (its URL is the origin), so
 * naming the site's domain there is a CloudFormation cycle (the reason PUBLIC_BASE_URL is not set).
 */
export class FilesCdn extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly keyGroup: cloudfront.KeyGroup;
  readonly publicKeys: cloudfront.PublicKey[];
  readonly cachePolicy: cloudfront.CachePolicy;
  /** https://{distribution domain} */
  readonly url: string;
  readonly privateKeySecretArn: string;
  /** What the API function needs to sign for it (src/config.ts, FILES_CDN_*). */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: FilesCdnProps) {
    super(scope, id);
    checkFilesCdnSettings(props.settings);
    this.privateKeySecretArn = props.settings.privateKeySecretArn;

    // Named by fingerprint, so reordering the keys for a rotation replaces none of them.
    this.publicKeys = props.settings.publicKeys.map(
      (pem) =>
        new cloudfront.PublicKey(
          this,
          `PublicKey${createHash("sha256").update(pem.trim()).digest("hex").slice(0, 12)}`,
          {
            encodedKey: pem.trim(),
            comment: `Evergate ${props.stage}: signs the files CDN's URLs`,
          },
        ),
    );
    this.keyGroup = new cloudfront.KeyGroup(this, "KeyGroup", {
      items: this.publicKeys,
      comment: `Evergate ${props.stage}: the keys the files CDN trusts`,
    });

    this.cachePolicy = new cloudfront.CachePolicy(this, "SignedFiles", {
      comment: "Evergate files: key = path + the pinned response-* parameters; never the signature",
      // Objects under files/ never change (a new upload is a new key). A minimum above 0 caches
      // even the deliverables' `private, no-store` (which S3 still sends on to the browser):
      // the edge serves them only to valid signed URLs, checked before the cache.
      minTtl: Duration.days(1),
      defaultTtl: Duration.days(1),
      maxTtl: Duration.days(365),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList(...filesCacheKeyQueryStrings),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: false,
      enableAcceptEncodingBrotli: false,
    });
    const headers = new cloudfront.ResponseHeadersPolicy(this, "Headers", {
      comment: "Evergate files: HSTS and nosniff; the rest is S3's answer with the pinned response-* values",
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
      },
    });

    // A view of the bucket by name, through which CDK cannot write its own (whole-bucket) grant:
    // the one below allows files/ only (acknowledged: the policy is written right here). By name
    // because the bucket's CORS rule names the site, whose CSP names this distribution: a
    // reference to the bucket resource from here would close that loop.
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${props.bucketName}`;
    const bucketView = s3.Bucket.fromBucketAttributes(this, "BucketView", {
      bucketArn,
      bucketRegionalDomainName: `${props.bucketName}.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`,
    });
    Annotations.of(this).acknowledgeWarning(
      "@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac",
      "The files bucket's policy is written by FilesCdn itself, for files/ only.",
    );
    const origin = origins.S3BucketOrigin.withOriginAccessControl(bucketView);
    const signed = (cachePolicy: cloudfront.ICachePolicy): cloudfront.BehaviorOptions => ({
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      trustedKeyGroups: [this.keyGroup],
      cachePolicy,
      compress: false,
      responseHeadersPolicy: headers,
    });
    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: `Evergate ${props.stage} files (CloudFront signed URLs)`,
      webAclId: props.webAclId,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      // Nothing outside files/ is served (the bucket policy allows no other key), signed or not.
      defaultBehavior: signed(cloudfront.CachePolicy.CACHING_DISABLED),
      additionalBehaviors: { [filesPathPattern]: signed(this.cachePolicy) },
    });
    this.url = `https://${this.distribution.distributionDomainName}`;

    const distributionArn = `arn:${Aws.PARTITION}:cloudfront::${Aws.ACCOUNT_ID}:distribution/${this.distribution.distributionId}`;
    props.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "FilesCdnReadsFiles",
        principals: [new iam.ServicePrincipal("cloudfront.amazonaws.com")],
        actions: ["s3:GetObject"],
        resources: [props.bucket.arnForObjects(`${bucketPrefixes.files}*`)],
        conditions: { StringEquals: { "AWS:SourceArn": distributionArn } },
      }),
    );
    // SSE-KMS: S3 decrypts for CloudFront as the requester. The key cannot name this distribution
    // (key → bucket → distribution → key would be a cycle): any distribution of this account, via
    // S3, for this bucket only — the bucket policy above is what admits this one distribution.
    props.bucketKey?.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "FilesCdnDecryptsFiles",
        principals: [new iam.ServicePrincipal("cloudfront.amazonaws.com")],
        actions: ["kms:Decrypt"],
        resources: ["*"],
        conditions: {
          ArnLike: { "AWS:SourceArn": `arn:${Aws.PARTITION}:cloudfront::${Aws.ACCOUNT_ID}:distribution/*` },
          StringEquals: { "kms:EncryptionContext:aws:s3:arn": bucketArn },
        },
      }),
    );

    const [signing] = this.publicKeys;
    if (!signing) throw new Error("unreachable: checkFilesCdnSettings requires a key");
    this.environment = {
      FILES_CDN_URL: this.url,
      FILES_CDN_KEY_PAIR_ID: signing.publicKeyId,
      FILES_CDN_PRIVATE_KEY_SECRET: this.privateKeySecretArn,
    };
  }

  /** GetSecretValue on the private key's secret, and nothing else of Secrets Manager. */
  grantSigning(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "FilesCdnPrivateKey",
        actions: ["secretsmanager:GetSecretValue"],
        resources: [this.privateKeySecretArn],
      }),
    );
  }
}
