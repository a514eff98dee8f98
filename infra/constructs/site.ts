import { readFileSync } from "node:fs";
import { Duration, type Stack } from "aws-cdk-lib";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import { type Stage, stageSettings } from "../stage.ts";

const edgeFunctionCode = (file: string) =>
  cloudfront.FunctionCode.fromInline(readFileSync(new URL(`../edge/${file}`, import.meta.url), "utf8"));

export interface SiteProps {
  stage: Stage;
  functionUrl: lambda.IFunctionUrl;
  /** Built SPA (dist/webapp); nothing is uploaded when undefined. */
  webappDir?: string;
  /** The WAF web ACL (infra/constructs/edge-firewall.ts), if any. */
  webAclId?: string;
}

/** CloudFront in front of everything: the SPA from a private bucket, /api/* and /l/* from Lambda. */
export class Site extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly webappBucket: s3.Bucket;
  /** https://{distributionDomainName} */
  readonly url: string;

  constructor(scope: Construct, id: string, props: SiteProps) {
    super(scope, id);
    const settings = stageSettings(props.stage);

    this.webappBucket = new s3.Bucket(this, "WebappBucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: settings.removalPolicy,
      autoDeleteObjects: !settings.isProd,
    });

    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, "SecurityHeaders", {
      comment: "Evergate: HSTS, nosniff, referrer policy, no framing",
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      },
    });

    // Caches only what the app marks cacheable (Cache-Control: max-age ≤ 300); default is no cache.
    const honourOriginCacheControl = new cloudfront.CachePolicy(this, "HonourOriginCacheControl", {
      comment: "Evergate: cache as the origin's Cache-Control says, at most 5 minutes",
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(300),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    });

    const apiViewerRequest = new cloudfront.Function(this, "ApiViewerRequest", {
      comment: "Evergate: forward viewer Host and credential past OAC",
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: edgeFunctionCode("api-viewer-request.js"),
    });
    const spaFallback = new cloudfront.Function(this, "SpaFallback", {
      comment: "Evergate: client-side routes get /index.html",
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: edgeFunctionCode("spa-fallback.js"),
    });

    const apiOrigin = origins.FunctionUrlOrigin.withOriginAccessControl(props.functionUrl);
    const toApi = (cachePolicy: cloudfront.ICachePolicy): cloudfront.BehaviorOptions => ({
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: securityHeaders,
      functionAssociations: [
        { function: apiViewerRequest, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
      ],
    });

    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: `Evergate ${props.stage}`,
      webAclId: props.webAclId,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultRootObject: "index.html",
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.webappBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        functionAssociations: [
          { function: spaFallback, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      // Order matters: CloudFront takes the first matching pattern.
      additionalBehaviors: {
        "/api/products/*/image": toApi(honourOriginCacheControl),
        "/api/*": toApi(cloudfront.CachePolicy.CACHING_DISABLED),
        "/l/*": toApi(honourOriginCacheControl),
      },
    });
    this.url = `https://${this.distribution.distributionDomainName}`;

    if (props.webappDir) {
      new s3deploy.BucketDeployment(this, "WebappDeployment", {
        sources: [s3deploy.Source.asset(props.webappDir)],
        destinationBucket: this.webappBucket,
        distribution: this.distribution,
        distributionPaths: ["/*"],
        memoryLimit: 512,
      });
    }
  }

  /** The singleton Lambda that BucketDeployment adds at stack level, if any. */
  static bucketDeploymentHandler(stack: Stack): Construct | undefined {
    return stack.node.children.find((child) => child.node.id.startsWith("Custom::CDKBucketDeployment")) as
      | Construct
      | undefined;
  }
}
