import { readFileSync } from "node:fs";
import { Duration, type Stack } from "aws-cdk-lib";
import type * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import { type WebappOrigins, webappCsp, webappSecurityHeaders } from "../../src/http/webapp-headers.ts";
import { type Stage, stageSettings } from "../stage.ts";

const referrerPolicyOf = (value: string) => {
  const policy = Object.values(cloudfront.HeadersReferrerPolicy).find((known) => known === value);
  if (!policy) throw new Error(`CloudFront has no referrer policy ${value}`);
  return policy;
};
const frameOptionOf = (value: string) => {
  const option = Object.values(cloudfront.HeadersFrameOption).find((known) => known === value);
  if (!option) throw new Error(`CloudFront has no frame option ${value}`);
  return option;
};

const edgeFunctionCode = (file: string) =>
  cloudfront.FunctionCode.fromInline(readFileSync(new URL(`../edge/${file}`, import.meta.url), "utf8"));

export interface SiteProps {
  stage: Stage;
  functionUrl: lambda.IFunctionUrl;
  /** Built SPA (dist/webapp); nothing is uploaded when undefined. */
  webappDir?: string;
  /** A custom domain (infra/constructs/custom-domain.ts): served with TLS 1.2 or newer only. */
  domain?: { domainName: string; certificate: acm.ICertificate };
  /** S3 and the managed login, which the webapp's CSP allows (the same CSP as `npm start`'s). */
  webappOrigins: WebappOrigins;
  /** The WAF web ACL (infra/constructs/edge-firewall.ts), if any. */
  webAclId?: string;
}

/** CloudFront in front of everything: the SPA from a private bucket, /api/* and /l/* from Lambda. */
export class Site extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly webappBucket: s3.Bucket;
  /** https://{custom domain}, or https://{distributionDomainName} without one */
  readonly url: string;
  readonly webappOrigins: WebappOrigins;

  constructor(scope: Construct, id: string, props: SiteProps) {
    super(scope, id);
    const settings = stageSettings(props.stage);
    this.webappOrigins = props.webappOrigins;

    this.webappBucket = new s3.Bucket(this, "WebappBucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: settings.removalPolicy,
      autoDeleteObjects: !settings.isProd,
    });

    const hsts = {
      accessControlMaxAge: Duration.days(365),
      includeSubdomains: true,
      override: true,
    };
    // The webapp gets exactly what the local static server sends (src/http/webapp-headers.ts),
    // plus HSTS, which means nothing over the local server's plain HTTP.
    const webapp = webappSecurityHeaders(webappCsp(props.webappOrigins));
    const webappHeaders = new cloudfront.ResponseHeadersPolicy(this, "WebappHeaders", {
      comment: "Evergate webapp: the local static server's headers (CSP, nosniff, no-referrer, DENY) + HSTS",
      securityHeadersBehavior: {
        strictTransportSecurity: hsts,
        contentSecurityPolicy: { contentSecurityPolicy: webapp["Content-Security-Policy"], override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: referrerPolicyOf(webapp["Referrer-Policy"]), override: true },
        frameOptions: { frameOption: frameOptionOf(webapp["X-Frame-Options"]), override: true },
      },
    });
    // /api/* and /l/*: the app sets its own headers (no-referrer, nosniff, a CSP on link pages) and
    // CloudFront must not replace them; it only adds HSTS, which the app never sends.
    const apiHeaders = new cloudfront.ResponseHeadersPolicy(this, "ApiHeaders", {
      comment: "Evergate API and links: HSTS only; every other header is the app's own",
      securityHeadersBehavior: { strictTransportSecurity: hsts },
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
      responseHeadersPolicy: apiHeaders,
      functionAssociations: [
        { function: apiViewerRequest, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
      ],
    });

    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: `Evergate ${props.stage}`,
      webAclId: props.webAclId,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      ...(props.domain && {
        domainNames: [props.domain.domainName],
        certificate: props.domain.certificate,
        minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      }),
      defaultRootObject: "index.html",
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.webappBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: webappHeaders,
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
    this.url = `https://${props.domain?.domainName ?? this.distribution.distributionDomainName}`;

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
