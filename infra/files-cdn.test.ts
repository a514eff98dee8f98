import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { webappCsp } from "../src/http/webapp-headers.ts";
import { cdnKeyPair } from "../test/support/cloudfront-url.ts";
import { filesCacheKeyQueryStrings, parseFilesCdnSettings } from "./constructs/files-cdn.ts";
import { EvergateStack, type EvergateStackProps } from "./evergate-stack.ts";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:evergate-prod-files-cdn-AbCdEf";
const current = cdnKeyPair().publicKey;
const previous = cdnKeyPair().publicKey;

function synthesize(props: Partial<EvergateStackProps> = {}) {
  const app = new App();
  const stack = new EvergateStack(app, "Evergate-prod", {
    stage: "prod",
    apiCode: lambda.Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
    ...props,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

type Resource = { Properties: Record<string, unknown> };
const only = (resources: Record<string, unknown>) => {
  const values = Object.values(resources) as Resource[];
  expect(values).toHaveLength(1);
  return values[0] as Resource;
};
const filesDistribution = (template: Template) =>
  only(
    template.findResources("AWS::CloudFront::Distribution", {
      Properties: { DistributionConfig: { Comment: Match.stringLikeRegexp("files") } },
    }),
  );
/** The one resource of this type in the FilesCdn construct. */
const refTo = (template: Template, type: string) => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith("FilesCdn"));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

let on: ReturnType<typeof synthesize>;
let off: ReturnType<typeof synthesize>;
beforeAll(() => {
  on = synthesize({ filesCdn: { publicKeys: [current, previous], privateKeySecretArn: SECRET_ARN } });
  off = synthesize();
});

describe("the files CDN (ADR 024): CloudFront signed URLs with a key group", () => {
  it("/files/* and the default behaviour both require the key group: no unsigned request reaches the bucket", () => {
    const keyGroup = refTo(on.template, "AWS::CloudFront::KeyGroup");
    const config = filesDistribution(on.template).Properties.DistributionConfig as {
      DefaultCacheBehavior: Record<string, unknown>;
      CacheBehaviors: Array<Record<string, unknown>>;
    };
    expect(config.CacheBehaviors).toHaveLength(1);
    const files = config.CacheBehaviors[0] as Record<string, unknown>;
    expect(files.PathPattern).toBe("/files/*");
    for (const behavior of [files, config.DefaultCacheBehavior]) {
      expect(behavior.TrustedKeyGroups).toEqual([{ Ref: keyGroup }]);
      expect(behavior.ViewerProtocolPolicy).toBe("https-only");
      expect(behavior.AllowedMethods).toEqual(["GET", "HEAD"]);
    }
    expect(files.CachePolicyId).toEqual({ Ref: refTo(on.template, "AWS::CloudFront::CachePolicy") });
  });

  it("the key group holds both public keys; the API signs with the first (its id in FILES_CDN_KEY_PAIR_ID)", () => {
    const keys = on.template.findResources("AWS::CloudFront::PublicKey");
    expect(Object.keys(keys)).toHaveLength(2);
    const idOf = (pem: string) =>
      Object.entries(keys).find(
        ([, resource]) =>
          (resource as Resource).Properties.PublicKeyConfig?.valueOf() &&
          ((resource as Resource).Properties.PublicKeyConfig as { EncodedKey: string }).EncodedKey ===
            pem.trim(),
      )?.[0];
    const currentId = idOf(current);
    expect(currentId).toBeDefined();
    on.template.hasResourceProperties("AWS::CloudFront::KeyGroup", {
      KeyGroupConfig: { Items: Match.arrayWith([{ Ref: currentId }, { Ref: idOf(previous) }]) },
    });
    on.template.hasResourceProperties("AWS::Lambda::Function", {
      Description: "Evergate API and link redirects (Hono)",
      Environment: {
        Variables: Match.objectLike({
          FILES_CDN_URL: {
            "Fn::Join": [
              "",
              ["https://", { "Fn::GetAtt": [Match.stringLikeRegexp("FilesCdnDistribution"), "DomainName"] }],
            ],
          },
          FILES_CDN_KEY_PAIR_ID: { Ref: currentId },
          FILES_CDN_PRIVATE_KEY_SECRET: SECRET_ARN,
        }),
      },
    });
  });

  it("the cache key is the path and the two pinned response-* parameters, never Expires, Signature, Key-Pair-Id or Policy", () => {
    const policy = (
      on.template.findResources("AWS::CloudFront::CachePolicy")[
        refTo(on.template, "AWS::CloudFront::CachePolicy")
      ] as Resource
    ).Properties.CachePolicyConfig as {
      MinTTL: number;
      ParametersInCacheKeyAndForwardedToOrigin: {
        QueryStringsConfig: { QueryStringBehavior: string; QueryStrings: string[] };
        HeadersConfig: { HeaderBehavior: string };
        CookiesConfig: { CookieBehavior: string };
      };
    };
    const key = policy.ParametersInCacheKeyAndForwardedToOrigin;
    expect(key.QueryStringsConfig.QueryStringBehavior).toBe("whitelist");
    expect([...key.QueryStringsConfig.QueryStrings].sort()).toEqual([...filesCacheKeyQueryStrings].sort());
    for (const signing of ["Expires", "Signature", "Key-Pair-Id", "Policy", "Hash-Algorithm"]) {
      expect(key.QueryStringsConfig.QueryStrings).not.toContain(signing);
    }
    expect(key.HeadersConfig.HeaderBehavior).toBe("none");
    expect(key.CookiesConfig.CookieBehavior).toBe("none");
    // Above 0, so the deliverables' `private, no-store` (for browsers) does not stop the edge caching.
    expect(policy.MinTTL).toBeGreaterThan(0);
  });

  it("the origin is the files bucket through origin access control; the bucket lets only this distribution read files/", () => {
    const oac = refTo(on.template, "AWS::CloudFront::OriginAccessControl");
    const config = filesDistribution(on.template).Properties.DistributionConfig as {
      Origins: Array<{ DomainName: unknown; OriginAccessControlId: unknown; S3OriginConfig: unknown }>;
    };
    expect(config.Origins).toHaveLength(1);
    const [origin] = config.Origins;
    expect(origin?.OriginAccessControlId).toEqual({ "Fn::GetAtt": [oac, "Id"] });
    expect(JSON.stringify(origin?.DomainName)).toMatch(/evergate-prod-files-.*\.s3\./);
    const distribution = Object.keys(
      on.template.findResources("AWS::CloudFront::Distribution", {
        Properties: { DistributionConfig: { Comment: Match.stringLikeRegexp("files") } },
      }),
    )[0];
    const bucketPolicy = only(
      on.template.findResources("AWS::S3::BucketPolicy", {
        Properties: { Bucket: { Ref: Match.stringLikeRegexp("DataFilesBucket") } },
      }),
    ).Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> };
    const cloudFront = bucketPolicy.Statement.filter((statement) =>
      JSON.stringify(statement.Principal).includes("cloudfront.amazonaws.com"),
    );
    expect(cloudFront).toHaveLength(1);
    expect(cloudFront[0]).toMatchObject({ Effect: "Allow", Action: "s3:GetObject" });
    expect(JSON.stringify(cloudFront[0]?.Resource)).toMatch(/\/files\/\*"/);
    expect(JSON.stringify(cloudFront[0]?.Condition)).toContain(`"Ref":"${distribution}"`);
  });

  it("the API may GetSecretValue on the key's secret only; no other function may", () => {
    const grants = (
      Object.values(on.template.findResources("AWS::IAM::Policy")) as Array<{
        Properties: {
          PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
          Roles: unknown;
        };
      }>
    ).flatMap((policy) =>
      policy.Properties.PolicyDocument.Statement.filter((statement) =>
        JSON.stringify(statement.Resource).includes(SECRET_ARN),
      ).map((statement) => ({ statement, roles: JSON.stringify(policy.Properties.Roles) })),
    );
    expect(grants).toHaveLength(1);
    expect(grants[0]?.statement.Action).toBe("secretsmanager:GetSecretValue");
    expect(grants[0]?.statement.Resource).toBe(SECRET_ARN);
    expect(grants[0]?.roles).toMatch(/ApiRole/);
  });

  it("the webapp's CSP lets promo images come from the files CDN", () => {
    expect(on.stack.site.webappOrigins.files).toBe(on.stack.filesCdn?.url);
    expect(webappCsp(on.stack.site.webappOrigins)).toContain(
      `img-src 'self' data: ${on.stack.site.webappOrigins.s3} https://`,
    );
  });

  it("with SSE-KMS (filesKms) the files key lets CloudFront decrypt this bucket's objects, and nothing cycles", () => {
    const { template } = synthesize({
      filesKms: true,
      filesCdn: { publicKeys: [current], privateKeySecretArn: SECRET_ARN },
    });
    const key = only(template.findResources("AWS::KMS::Key")).Properties.KeyPolicy as {
      Statement: Array<Record<string, unknown>>;
    };
    const cloudFront = key.Statement.filter((statement) =>
      JSON.stringify(statement.Principal).includes("cloudfront.amazonaws.com"),
    );
    expect(cloudFront).toHaveLength(1);
    expect(cloudFront[0]?.Action).toBe("kms:Decrypt");
    expect(JSON.stringify(cloudFront[0]?.Condition)).toMatch(
      /kms:EncryptionContext:aws:s3:arn.*evergate-prod-files-/,
    );
  });

  it("cdk-nag stays clean with the files CDN on", () => {
    const open = new AwsSolutionsChecks()
      .validateScope(on.app)
      .violations.map(
        (violation) =>
          `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(", ")}`,
      );
    expect(open).toEqual([]);
  });

  it("absent when off: no files distribution, key, cache policy or FILES_CDN_* setting, and no CloudFront reads of the bucket", () => {
    off.template.resourceCountIs("AWS::CloudFront::KeyGroup", 0);
    off.template.resourceCountIs("AWS::CloudFront::PublicKey", 0);
    off.template.resourceCountIs("AWS::CloudFront::Distribution", 1);
    expect(JSON.stringify(off.template.toJSON())).not.toMatch(/FILES_CDN_|FilesCdn/);
    expect(off.stack.filesCdn).toBeUndefined();
  });
});

describe("parseFilesCdnSettings (-c filesCdn, filesCdnPublicKeys, filesCdnKeySecretArn)", () => {
  const files: Record<string, string> = {
    "current.pem": current,
    "previous.pem": previous,
    "bad.pem": "nope",
  };
  const parse = (stage: "dev" | "prod", context: Record<string, string>) =>
    parseFilesCdnSettings(
      stage,
      (key) => context[key],
      (path) => files[path] ?? "",
    );

  it("is on by default in prod: without a key pair synthesis stops and says what to do", () => {
    expect(() => parse("prod", {})).toThrow(
      /on by default in prod.*infra\/README\.md.*filesCdnPublicKeys.*-c filesCdn=off/,
    );
    expect(
      parse("prod", { filesCdnPublicKeys: "current.pem, previous.pem", filesCdnKeySecretArn: SECRET_ARN }),
    ).toEqual({
      publicKeys: [current, previous],
      privateKeySecretArn: SECRET_ARN,
    });
  });

  it("is off when switched off (prod too) and by default in dev; -c filesCdn=on turns it on in dev", () => {
    expect(parse("prod", { filesCdn: "off" })).toBeUndefined();
    expect(parse("dev", {})).toBeUndefined();
    expect(() => parse("dev", { filesCdn: "on" })).toThrow(/needs its key pair/);
    expect(
      parse("dev", { filesCdn: "on", filesCdnPublicKeys: "current.pem", filesCdnKeySecretArn: SECRET_ARN }),
    ).toEqual({
      publicKeys: [current],
      privateKeySecretArn: SECRET_ARN,
    });
    expect(() => parse("dev", { filesCdn: "yes" })).toThrow(/on or off/);
  });

  it("refuses a key that is not an RSA 2048 PEM public key, or a secret name instead of its complete ARN", () => {
    expect(() => parse("prod", { filesCdnPublicKeys: "bad.pem", filesCdnKeySecretArn: SECRET_ARN })).toThrow(
      /PEM public key/,
    );
    expect(() =>
      parse("prod", { filesCdnPublicKeys: "current.pem", filesCdnKeySecretArn: "evergate-prod-files-cdn" }),
    ).toThrow(/complete ARN/);
  });
});
