import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as s3 from "aws-cdk-lib/aws-s3";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { tableKeys } from "../src/storage/table-definition.ts";
import { webClientBaseSettings } from "./constructs/auth.ts";
import { EvergateStack, type EvergateStackProps } from "./evergate-stack.ts";
import { parseStage, type Stage } from "./stage.ts";

// Managed policy ids: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
const LOCAL_ORIGIN = "http://localhost:3000";

interface Synthesized {
  app: App;
  stack: EvergateStack;
  template: Template;
}

/**
 * One app per stage. cdk-nag is not registered as a synthesis plugin here (app.ts does that): a
 * finding would then abort synthesis and skip every test; the cdk-nag tests below list them instead.
 */
function synthesize(stage: Stage, extra: Partial<EvergateStackProps> = {}): Synthesized {
  const app = new App();
  const stack = new EvergateStack(app, `Evergate-${stage}`, {
    stage,
    apiCode: lambda.Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
    localOrigins: stage === "dev" ? [LOCAL_ORIGIN] : [],
    ...extra,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

const resourcesOf = (template: Template, type: string): Resource[] =>
  Object.values(template.findResources(type)) as Resource[];

const onlyOf = (resources: Record<string, unknown>): Resource => {
  const found = Object.values(resources);
  expect(found).toHaveLength(1);
  return found[0] as Resource;
};

const onlyResourceOf = (template: Template, type: string): Resource => onlyOf(template.findResources(type));

/** The sweeper's dead-letter queue (the link-job worker has a queue of its own). */
const sweeperDeadLetters = (template: Template): string => {
  const ids = Object.keys(template.findResources("AWS::SQS::Queue")).filter((id) =>
    id.includes("SweeperDeadLetters"),
  );
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

const logicalIdOf = (template: Template, type: string, props: Record<string, unknown> = {}): string => {
  const ids = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(ids, type).toHaveLength(1);
  return ids[0] as string;
};

/** The API's environment (the other functions in the template are CDK's custom-resource handlers). */
const apiEnvironment = (template: Template) =>
  (
    onlyOf(
      template.findResources("AWS::Lambda::Function", {
        Properties: { Runtime: "nodejs22.x", Description: "Evergate API and link redirects (Hono)" },
      }),
    ).Properties.Environment as { Variables: Record<string, unknown> }
  ).Variables;

/** The only bucket with a fixed name; the webapp bucket's name is generated. */
const filesBucket = (template: Template): Resource =>
  onlyOf(template.findResources("AWS::S3::Bucket", { Properties: { BucketName: Match.anyValue() } }));

const siteUrl = (template: Template) => ({
  "Fn::Join": [
    "",
    ["https://", { "Fn::GetAtt": [logicalIdOf(template, "AWS::CloudFront::Distribution"), "DomainName"] }],
  ],
});

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Allow statements of every identity policy: AWS::IAM::Policy resources and inline role policies. */
function identityStatements(template: Template): Statement[] {
  const documents = [
    ...resourcesOf(template, "AWS::IAM::Policy").map((policy) => policy.Properties.PolicyDocument),
    ...resourcesOf(template, "AWS::IAM::Role").flatMap((role) =>
      ((role.Properties.Policies ?? []) as { PolicyDocument: unknown }[]).map(
        (policy) => policy.PolicyDocument,
      ),
    ),
  ] as { Statement: Statement[] }[];
  return documents
    .flatMap((document) => document.Statement)
    .filter((statement) => statement.Effect === "Allow");
}

/** The CloudFormation-shaped parameters the custom resource sends to UpdateUserPoolClient. */
function clientUpdateCall(template: Template): { parameters: Record<string, unknown>; json: string } {
  const update = onlyResourceOf(template, "Custom::UserPoolClientUrls").Properties.Update as {
    "Fn::Join": [string, unknown[]];
  };
  const json = update["Fn::Join"][1].map((part) => (typeof part === "string" ? part : '"TOKEN"')).join("");
  // Tokens inside strings ("https://"TOKEN"/callback") are not JSON: replace them for parsing.
  const parseable = json.replace(/([^:,[{])"TOKEN"/g, "$1TOKEN").replace(/"TOKEN"([^,\]}])/g, "TOKEN$1");
  return { parameters: JSON.parse(parseable).parameters, json };
}

let dev: Synthesized;
let prod: Synthesized;

beforeAll(() => {
  const webappDir = mkdtempSync(join(tmpdir(), "evergate-webapp-"));
  writeFileSync(join(webappDir, "index.html"), "<!doctype html><title>Evergate</title>");
  dev = synthesize("dev");
  prod = synthesize("prod", { webappDir });
});

describe("stage", () => {
  it("defaults to dev and refuses unknown stages", () => {
    expect(parseStage(undefined)).toBe("dev");
    expect(parseStage("prod")).toBe("prod");
    expect(() => parseStage("staging")).toThrow(/Unknown stage "staging"/);
  });
});

describe("API function", () => {
  it("runs index.handler on Node.js 22, arm64, 1024 MB, 10 s", () => {
    dev.template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      MemorySize: 1024,
      Timeout: 10,
    });
  });

  it("gets the configuration the app's schema reads, and neither AWS_REGION nor PUBLIC_BASE_URL", () => {
    const { template } = dev;
    const table = logicalIdOf(template, "AWS::DynamoDB::GlobalTable");
    const userPool = logicalIdOf(template, "AWS::Cognito::UserPool");
    const client = logicalIdOf(template, "AWS::Cognito::UserPoolClient");
    const domain = logicalIdOf(template, "AWS::Cognito::UserPoolDomain");
    const clientKeySecret = logicalIdOf(template, "AWS::SecretsManager::Secret", {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, GenerateStringKey: Match.absent() }),
    });
    expect(apiEnvironment(template)).toEqual({
      TABLE_NAME: { Ref: table },
      FILES_BUCKET: filesBucket(template).Properties.BucketName,
      COGNITO_ISSUER: { "Fn::GetAtt": [userPool, "ProviderURL"] },
      COGNITO_CLIENT_ID: { Ref: client },
      COGNITO_DOMAIN_URL: {
        "Fn::Join": [
          "",
          ["https://", { Ref: domain }, ".auth.", { Ref: "AWS::Region" }, ".amazoncognito.com"],
        ],
      },
      APP_ORIGIN_FROM_REQUEST: "true",
      AUTHORIZATION_HEADER: "x-evergate-authorization",
      CLIENT_ADDRESS_HEADER: "cloudfront-viewer-address",
      CLIENT_COUNTRY_HEADER: "cloudfront-viewer-country",
      WEBHOOK_QUEUE_URL: {
        Ref: logicalIdOf(template, "AWS::SQS::Queue", { RedrivePolicy: Match.anyValue() }),
      },
      CLIENT_KEY_SECRET: {
        "Fn::Join": ["", ["{{resolve:secretsmanager:", { Ref: clientKeySecret }, ":SecretString:::}}"]],
      },
      LINK_URL_TTL_SECONDS: "300",
      METRICS_NAMESPACE: "Evergate/dev",
      TRACING: "off",
      TOKEN_KEYS: {
        "Fn::Join": [
          "",
          [
            "a:{{resolve:secretsmanager:",
            {
              Ref: logicalIdOf(template, "AWS::SecretsManager::Secret", {
                GenerateSecretString: Match.objectLike({ GenerateStringKey: "a" }),
              }),
            },
            ":SecretString:a::}}",
          ],
        ],
      },
      NODE_OPTIONS: "--enable-source-maps",
    });
  });

  it("gets TOKEN_KEYS from a generated secret (resolved at deploy time: nothing to load at cold start)", () => {
    dev.template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: {
        SecretStringTemplate: "{}",
        GenerateStringKey: "a",
        PasswordLength: 64,
        ExcludePunctuation: true,
        IncludeSpace: false,
      },
    });
    // Rotation: a second key id lists both, the new one first (it mints)
    const rotated = synthesize("dev", { tokenKeyIds: ["b", "a"] });
    const value = JSON.stringify(apiEnvironment(rotated.template).TOKEN_KEYS);
    expect(value.indexOf('"b:{{resolve:secretsmanager:')).toBeLessThan(
      value.indexOf('"a:{{resolve:secretsmanager:'),
    );
    expect(value).toContain(":SecretString:b::}}");
  });

  it("imports the TokenKeys secret of the deployment it replaces (-c tokenKeysSecretArn): old links keep their keys", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:evergate-prod-token-keys-AbCdEf";
    const moved = synthesize("dev", { tokenKeysSecretArn: arn, tokenKeyIds: ["b", "a"] });
    // No secret of its own: the keys are the old deployment's
    expect(
      Object.values(moved.template.findResources("AWS::SecretsManager::Secret")).filter(
        (resource) =>
          (resource.Properties as Record<string, unknown>).GenerateSecretString !== undefined &&
          JSON.stringify(resource.Properties).includes('"GenerateStringKey":"a"'),
      ),
    ).toEqual([]);
    const value = JSON.stringify(apiEnvironment(moved.template).TOKEN_KEYS);
    expect(value).toContain(`b:{{resolve:secretsmanager:${arn}:SecretString:b::}}`);
    expect(value).toContain(`a:{{resolve:secretsmanager:${arn}:SecretString:a::}}`);
  });

  it("has reserved concurrency: a flood's ceiling (dev 20, prod 200)", () => {
    dev.template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      ReservedConcurrentExecutions: 20,
    });
    prod.template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      ReservedConcurrentExecutions: 200,
    });
  });

  it("runs the sweeper in the same function every 15 minutes", () => {
    dev.template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(15 minutes)",
      Targets: Match.arrayWith([Match.objectLike({ Input: JSON.stringify({ evergate: "sweep" }) })]),
    });
  });

  it("keeps presigned link URLs well below the one-hour role session", () => {
    expect(Number(apiEnvironment(dev.template).LINK_URL_TTL_SECONDS)).toBeLessThanOrEqual(900);
  });

  it("has a function URL that only IAM-signed callers (CloudFront) may invoke", () => {
    dev.template.hasResourceProperties("AWS::Lambda::Url", { AuthType: "AWS_IAM" });
    const distribution = logicalIdOf(dev.template, "AWS::CloudFront::Distribution");
    const sourceArn = Match.objectLike({
      "Fn::Join": ["", Match.arrayWith([":distribution/", { Ref: distribution }])],
    });
    for (const action of ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]) {
      dev.template.hasResourceProperties("AWS::Lambda::Permission", {
        Action: action,
        Principal: "cloudfront.amazonaws.com",
        SourceArn: sourceArn,
      });
    }
  });
});

describe("least privilege", () => {
  it("no identity policy allows a * or service:* action", () => {
    for (const { template } of [dev, prod]) {
      const actions = identityStatements(template).flatMap((statement) => asList(statement.Action));
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((action) => action === "*" || action.endsWith(":*"))).toEqual([]);
    }
  });

  it("the API role may touch pending/ and files/ objects, call six item APIs plus DescribeTable, and AdminGetUser on its pool", () => {
    const { template } = dev;
    const role = logicalIdOf(template, "AWS::IAM::Role", {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: "lambda.amazonaws.com" } })],
      }),
      Description: Match.stringLikeRegexp("Evergate API"),
    });
    const policy = onlyOf(
      template.findResources("AWS::IAM::Policy", { Properties: { Roles: [{ Ref: role }] } }),
    );
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(template.findResources("AWS::IAM::Role")[role]?.Properties).not.toHaveProperty(
      "ManagedPolicyArns",
    );

    const bucketArn = (suffix: string) => ({
      "Fn::Join": [
        "",
        [
          "arn:",
          { Ref: "AWS::Partition" },
          ":s3:::evergate-dev-files-",
          { Ref: "AWS::AccountId" },
          "-",
          { Ref: "AWS::Region" },
          ...(suffix ? [suffix] : []),
        ],
      ],
    });
    const table = logicalIdOf(template, "AWS::DynamoDB::GlobalTable");
    const tableArn = { "Fn::GetAtt": [table, "Arn"] };
    const apiLogGroup = Object.keys(template.findResources("AWS::Logs::LogGroup")).filter((id) =>
      id.startsWith("ApiLogs"),
    );
    expect(apiLogGroup).toHaveLength(1);
    const logGroupArn = { "Fn::GetAtt": [apiLogGroup[0], "Arn"] };
    const userPoolArn = { "Fn::GetAtt": [logicalIdOf(template, "AWS::Cognito::UserPool"), "Arn"] };
    const normalized = statements.map(({ Action, Resource }) => ({
      actions: asList(Action),
      resources: asList(Resource),
    }));
    expect(normalized).toEqual([
      { actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [logGroupArn] },
      {
        actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        resources: [bucketArn("/pending/*"), bucketArn("/files/*")],
      },
      { actions: ["s3:ListBucket"], resources: [bucketArn("")] },
      {
        actions: [
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:Query",
          "dynamodb:DescribeTable",
        ],
        resources: [tableArn],
      },
      // The admin report's bounded pages (GET /api/admin/links-out-of-policy): the table, no index.
      { actions: ["dynamodb:Scan"], resources: [tableArn] },
      { actions: ["dynamodb:Query"], resources: [{ "Fn::Join": ["", [tableArn, "/index/*"]] }] },
      { actions: ["cognito-idp:AdminGetUser"], resources: [userPoolArn] },
      {
        // Lambda's on-failure destination for the sweeper (ADR 020): its own dead-letter queue only.
        actions: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        resources: [{ "Fn::GetAtt": [sweeperDeadLetters(template), "Arn"] }],
      },
      {
        // Redeliver and ping queue an attempt (ADR 022): the webhook queue only, send only.
        actions: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        resources: [
          {
            "Fn::GetAtt": [
              logicalIdOf(template, "AWS::SQS::Queue", { RedrivePolicy: Match.anyValue() }),
              "Arn",
            ],
          },
        ],
      },
    ]);
  });

  it("the client-URL custom resource may update app clients of this user pool only", () => {
    const pool = logicalIdOf(dev.template, "AWS::Cognito::UserPool");
    dev.template.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: [
          {
            Effect: "Allow",
            Action: "cognito-idp:UpdateUserPoolClient",
            Resource: { "Fn::GetAtt": [pool, "Arn"] },
          },
        ],
      },
    });
  });
});

describe("CloudFront", () => {
  const distributionConfig = (template: Template) =>
    onlyResourceOf(template, "AWS::CloudFront::Distribution").Properties.DistributionConfig as {
      DefaultCacheBehavior: Record<string, unknown>;
      CacheBehaviors: Record<string, unknown>[];
      Origins: Record<string, unknown>[];
      CustomErrorResponses?: unknown;
    };

  it("reaches both origins through origin access control", () => {
    const oacs = resourcesOf(dev.template, "AWS::CloudFront::OriginAccessControl").map(
      (oac) => oac.Properties.OriginAccessControlConfig as Record<string, string>,
    );
    expect(
      oacs.map((oac) => [oac.OriginAccessControlOriginType, oac.SigningBehavior, oac.SigningProtocol]).sort(),
    ).toEqual([
      ["lambda", "always", "sigv4"],
      ["s3", "always", "sigv4"],
    ]);
    for (const origin of distributionConfig(dev.template).Origins) {
      expect(origin.OriginAccessControlId).toBeDefined();
    }
  });

  it("serves the SPA from the webapp bucket with a viewer-request rewrite and no error-page mapping", () => {
    const config = distributionConfig(dev.template);
    const webappBucket = logicalIdOf(dev.template, "AWS::S3::Bucket", {
      BucketName: Match.absent(),
    });
    const webappOrigin = config.Origins.find(
      (origin) =>
        JSON.stringify(origin.DomainName) ===
        JSON.stringify({ "Fn::GetAtt": [webappBucket, "RegionalDomainName"] }),
    );
    expect(config.DefaultCacheBehavior).toMatchObject({
      TargetOriginId: webappOrigin?.Id,
      ViewerProtocolPolicy: "redirect-to-https",
      CachePolicyId: CACHING_OPTIMIZED,
      FunctionAssociations: [
        {
          EventType: "viewer-request",
          FunctionARN: {
            "Fn::GetAtt": [
              logicalIdOf(dev.template, "AWS::CloudFront::Function", {
                FunctionConfig: Match.objectLike({ Comment: Match.stringLikeRegexp("index.html") }),
              }),
              "FunctionARN",
            ],
          },
        },
      ],
    });
    expect(config.CustomErrorResponses).toBeUndefined();
  });

  it("tells the function the viewer's address: CLIENT_ADDRESS_HEADER is one the /l/* origin request policy forwards", () => {
    // AllViewerExceptHostHeader forwards the viewer's headers (not Host: the function URL's SigV4
    // needs its own) plus CloudFront's viewer headers, CloudFront-Viewer-Address among them.
    const ls = distributionConfig(dev.template).CacheBehaviors.find(
      (behavior) => behavior.PathPattern === "/l/*",
    );
    expect(ls?.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
    expect(apiEnvironment(dev.template).CLIENT_ADDRESS_HEADER).toBe("cloudfront-viewer-address");
    // The key is generated by Secrets Manager, never written in the template.
    expect(JSON.stringify(dev.template.toJSON())).not.toMatch(/CLIENT_KEY_SECRET":"[^{]/);
  });

  it("sends /api/products/*/image, /api/* and /l/* (in that order) to the function URL", () => {
    const config = distributionConfig(dev.template);
    const apiOrigin = config.Origins.find((origin) =>
      JSON.stringify(origin.DomainName).includes("FunctionUrl"),
    );
    const honouring = logicalIdOf(dev.template, "AWS::CloudFront::CachePolicy");
    const apiFunction = logicalIdOf(dev.template, "AWS::CloudFront::Function", {
      FunctionConfig: Match.objectLike({ Comment: Match.stringLikeRegexp("Host") }),
    });
    const behavior = (pathPattern: string, cachePolicyId: unknown) => ({
      PathPattern: pathPattern,
      TargetOriginId: apiOrigin?.Id,
      CachePolicyId: cachePolicyId,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      AllowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
      ViewerProtocolPolicy: "redirect-to-https",
      FunctionAssociations: [
        { EventType: "viewer-request", FunctionARN: { "Fn::GetAtt": [apiFunction, "FunctionARN"] } },
      ],
    });
    expect(config.CacheBehaviors).toMatchObject([
      behavior("/api/products/*/image", { Ref: honouring }),
      behavior("/api/*", CACHING_DISABLED),
      behavior("/l/*", { Ref: honouring }),
    ]);
  });

  it("caches link redirects only as long as the origin's Cache-Control says, at most 5 minutes", () => {
    dev.template.hasResourceProperties("AWS::CloudFront::CachePolicy", {
      CachePolicyConfig: Match.objectLike({
        MinTTL: 0,
        DefaultTTL: 0,
        MaxTTL: 300,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          HeadersConfig: { HeaderBehavior: "none" },
          QueryStringsConfig: { QueryStringBehavior: "none" },
          CookiesConfig: { CookieBehavior: "none" },
        }),
      }),
    });
  });

  it("gives the webapp its own headers policy (CSP, nosniff, no-referrer, DENY, HSTS) and the API and links HSTS only", () => {
    const webapp = logicalIdOf(dev.template, "AWS::CloudFront::ResponseHeadersPolicy", {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({
            AccessControlMaxAgeSec: 31_536_000,
            IncludeSubdomains: true,
          }),
          ContentSecurityPolicy: Match.objectLike({ Override: true }),
          ContentTypeOptions: { Override: true },
          ReferrerPolicy: { ReferrerPolicy: "no-referrer", Override: true },
          FrameOptions: { FrameOption: "DENY", Override: true },
        }),
      }),
    });
    const api = logicalIdOf(dev.template, "AWS::CloudFront::ResponseHeadersPolicy", {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.exact({
          StrictTransportSecurity: {
            AccessControlMaxAgeSec: 31_536_000,
            IncludeSubdomains: true,
            Override: true,
          },
        }),
      }),
    });
    const config = distributionConfig(dev.template);
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: webapp });
    for (const behavior of config.CacheBehaviors)
      expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: api });
  });

  it("uploads and invalidates the webapp when a build exists, and not otherwise", () => {
    prod.template.resourceCountIs("Custom::CDKBucketDeployment", 1);
    dev.template.resourceCountIs("Custom::CDKBucketDeployment", 0);
  });
});

describe("WAF (the edge's rate limits)", () => {
  const webAcl = (template: Template) => onlyResourceOf(template, "AWS::WAFv2::WebACL");
  type Rule = {
    Name: string;
    Statement: {
      RateBasedStatement?: Record<string, unknown>;
      ManagedRuleGroupStatement?: { Name: string };
    };
    Action?: { Block: { CustomResponse: Record<string, unknown> } };
    OverrideAction?: Record<string, unknown>;
  };
  const rules = (template: Template) => webAcl(template).Properties.Rules as Rule[];

  it("a CloudFront web ACL with per-address rate rules for /l/ and /api/, answered 429 with Retry-After", () => {
    const acl = webAcl(dev.template);
    expect(acl.Properties.Scope).toBe("CLOUDFRONT");
    // AWS::WAFv2::WebACL's Description pattern: a "*" fails the deploy (cfn-lint F3031)
    expect(acl.Properties.Description).toMatch(
      /^[a-zA-Z0-9=:#@/\-,.][a-zA-Z0-9+=:#@/\-,.\s]+[a-zA-Z0-9+=:#@/\-,.]$/,
    );
    expect(acl.Properties.DefaultAction).toEqual({ Allow: {} });
    for (const [name, prefix, limit] of [
      ["RateLimitLinks", "/l/", 300],
      ["RateLimitApi", "/api/", 1200],
    ] as const) {
      const rule = rules(dev.template).find((candidate) => candidate.Name === name);
      expect(rule?.Statement.RateBasedStatement).toMatchObject({
        Limit: limit,
        EvaluationWindowSec: 60,
        AggregateKeyType: "IP",
        ScopeDownStatement: {
          ByteMatchStatement: {
            SearchString: prefix,
            PositionalConstraint: "STARTS_WITH",
            FieldToMatch: { UriPath: {} },
          },
        },
      });
      expect(rule?.Action?.Block.CustomResponse).toMatchObject({
        ResponseCode: 429,
        CustomResponseBodyKey: "rate-limited",
        ResponseHeaders: [{ Name: "retry-after", Value: "60" }],
      });
    }
    const body = (acl.Properties.CustomResponseBodies as Record<string, { Content: string }>)["rate-limited"];
    expect(JSON.parse(body?.Content ?? "{}")).toMatchObject({ status: 429, code: "rate_limited" });
  });

  it("AWS managed rule groups (IP reputation, known bad inputs, common): counted in dev, enforced in prod", () => {
    const managed = (template: Template) =>
      rules(template)
        .filter((rule) => rule.Statement.ManagedRuleGroupStatement)
        .map((rule) => [rule.Statement.ManagedRuleGroupStatement?.Name, rule.OverrideAction]);
    const names = [
      "AWSManagedRulesAmazonIpReputationList",
      "AWSManagedRulesKnownBadInputsRuleSet",
      "AWSManagedRulesCommonRuleSet",
    ];
    expect(managed(dev.template)).toEqual(names.map((name) => [name, { Count: {} }]));
    expect(managed(prod.template)).toEqual(names.map((name) => [name, { None: {} }]));
  });

  it("is attached to the distribution, and exists only where CloudFront web ACLs can (us-east-1)", () => {
    const aclId = logicalIdOf(dev.template, "AWS::WAFv2::WebACL");
    const acl = dev.template.toJSON().Resources[aclId];
    const conditions = dev.template.toJSON().Conditions as Record<string, unknown>;
    expect(conditions[acl.Condition]).toEqual({ "Fn::Equals": [{ Ref: "AWS::Region" }, "us-east-1"] });
    dev.template.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        WebACLId: { "Fn::If": [acl.Condition, { "Fn::GetAtt": [aclId, "Arn"] }, { Ref: "AWS::NoValue" }] },
      }),
    });
  });
});

describe("S3", () => {
  it("both buckets block public access, encrypt with S3-managed keys and deny plain HTTP", () => {
    const buckets = Object.entries(dev.template.findResources("AWS::S3::Bucket")) as [string, Resource][];
    expect(buckets).toHaveLength(2);
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
      });
      dev.template.hasResourceProperties("AWS::S3::BucketPolicy", {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
    }
  });

  it("files bucket: versioned, pending/ expires after a day, multipart uploads aborted after a day, old versions after a week", () => {
    const { Properties } = filesBucket(dev.template);
    expect(Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(Properties.LifecycleConfiguration).toEqual({
      Rules: [
        { Id: "expire-abandoned-uploads", Prefix: "pending/", ExpirationInDays: 1, Status: "Enabled" },
        {
          Id: "abort-incomplete-multipart-uploads",
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Status: "Enabled",
        },
        {
          Id: "expire-noncurrent-versions",
          NoncurrentVersionExpiration: { NoncurrentDays: 7 },
          ExpiredObjectDeleteMarker: true,
          Status: "Enabled",
        },
      ],
    });
  });

  it("files bucket CORS: the site (and localhost in dev only) may PUT/GET/HEAD with two headers", () => {
    const rule = (origins: unknown[]) => ({
      CorsRules: [
        {
          AllowedOrigins: origins,
          AllowedMethods: ["PUT", "GET", "HEAD"],
          AllowedHeaders: ["content-type", "content-length"],
          ExposedHeaders: ["ETag"],
          MaxAge: 3600,
        },
      ],
    });
    expect(filesBucket(dev.template).Properties.CorsConfiguration).toEqual(
      rule([siteUrl(dev.template), LOCAL_ORIGIN]),
    );
    expect(filesBucket(prod.template).Properties.CorsConfiguration).toEqual(rule([siteUrl(prod.template)]));
  });

  it("files bucket name is the one the function is told", () => {
    const name = JSON.stringify(filesBucket(prod.template).Properties.BucketName);
    expect(name).toContain("evergate-prod-files-");
  });
});

describe("DynamoDB", () => {
  it("one on-demand table with pk/sk, gsi1 and gsi2 (keys only), PITR and the pending-upload TTL", () => {
    const table = onlyResourceOf(dev.template, "AWS::DynamoDB::GlobalTable").Properties;
    expect(table).toMatchObject({
      TableName: "evergate-dev",
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: tableKeys.partitionKey, KeyType: "HASH" },
        { AttributeName: tableKeys.sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: tableKeys.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: "HASH" },
          { AttributeName: index.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "KEYS_ONLY" },
      })),
      TimeToLiveSpecification: { AttributeName: "expiresAtEpoch", Enabled: true },
      Replicas: [
        expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
    });
    const attributes = table.AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
    expect(attributes.every((attribute) => attribute.AttributeType === "S")).toBe(true);
    expect(attributes.map((attribute) => attribute.AttributeName)).toEqual([
      "pk",
      "sk",
      "gsi1pk",
      "gsi1sk",
      "gsi2pk",
      "gsi2sk",
    ]);
  });

  it("prod keeps the table (deletion protection, Retain); dev does not", () => {
    const prodTable = onlyResourceOf(prod.template, "AWS::DynamoDB::GlobalTable");
    const devTable = onlyResourceOf(dev.template, "AWS::DynamoDB::GlobalTable");
    expect(prodTable.DeletionPolicy).toBe("Retain");
    expect(prodTable.Properties.Replicas).toEqual([
      expect.objectContaining({ DeletionProtectionEnabled: true }),
    ]);
    expect(devTable.DeletionPolicy).toBe("Delete");
    expect(devTable.Properties.Replicas).toEqual([
      expect.objectContaining({ DeletionProtectionEnabled: false }),
    ]);
  });
});

describe("Cognito", () => {
  it("email sign-in, invitation only, a strong password policy; deletion protection in prod", () => {
    const pool = { UsernameAttributes: ["email"], AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } };
    prod.template.hasResourceProperties("AWS::Cognito::UserPool", {
      ...pool,
      DeletionProtection: "ACTIVE",
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
    dev.template.hasResourceProperties("AWS::Cognito::UserPool", { ...pool, DeletionProtection: "INACTIVE" });
  });

  it("has the group admin, whose members may use the admin routes", () => {
    const pool = logicalIdOf(prod.template, "AWS::Cognito::UserPool");
    prod.template.resourceCountIs("AWS::Cognito::UserPoolGroup", 1);
    prod.template.hasResourceProperties("AWS::Cognito::UserPoolGroup", {
      UserPoolId: { Ref: pool },
      GroupName: "admin",
    });
  });

  it("has a managed login (v2) domain with a style for the webapp client", () => {
    dev.template.hasResourceProperties("AWS::Cognito::UserPoolDomain", { ManagedLoginVersion: 2 });
    const client = logicalIdOf(dev.template, "AWS::Cognito::UserPoolClient");
    dev.template.hasResourceProperties("AWS::Cognito::ManagedLoginBranding", {
      ClientId: { Ref: client },
      UseCognitoProvidedValues: true,
    });
  });

  it("access tokens live 15 minutes: the window in which one outlives a sign-out", () => {
    dev.template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      TokenValidityUnits: Match.objectLike({ AccessToken: "minutes", IdToken: "minutes" }),
    });
    const { parameters } = clientUpdateCall(dev.template);
    expect(parameters).toMatchObject({ AccessTokenValidity: 15, IdTokenValidity: 15 });
  });

  it("the webapp client is public (no secret) and rotates refresh tokens", () => {
    dev.template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      GenerateSecret: false,
      RefreshTokenRotation: { Feature: "ENABLED", RetryGracePeriodSeconds: 10 },
      ExplicitAuthFlows: Match.not(Match.arrayWith(["ALLOW_REFRESH_TOKEN_AUTH"])),
    });
  });

  it("after the distribution exists, OAuth is switched on: code grant, openid/email/profile, site callbacks", () => {
    const { parameters, json } = clientUpdateCall(dev.template);
    expect(parameters).toMatchObject({
      AllowedOAuthFlows: ["code"],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ["openid", "email", "profile"],
      SupportedIdentityProviders: ["COGNITO"],
    });
    expect(json).toContain(`"CallbackURLs":["https://"TOKEN"/callback","${LOCAL_ORIGIN}/callback"]`);
    expect(json).toContain(`"LogoutURLs":["https://"TOKEN"/","${LOCAL_ORIGIN}/"]`);
    expect(clientUpdateCall(prod.template).json).toContain(`"CallbackURLs":["https://"TOKEN"/callback"]`);
    expect(clientUpdateCall(prod.template).json).not.toContain("localhost");
    const distribution = logicalIdOf(dev.template, "AWS::CloudFront::Distribution");
    dev.template.hasResourceProperties("Custom::UserPoolClientUrls", {
      Update: { "Fn::Join": ["", Match.arrayWith([{ "Fn::GetAtt": [distribution, "DomainName"] }])] },
    });
  });

  it("the OAuth update repeats every setting of the client resource, so neither resets the other", () => {
    const { parameters } = clientUpdateCall(dev.template);
    const resource = onlyResourceOf(dev.template, "AWS::Cognito::UserPoolClient").Properties;
    for (const [key, value] of Object.entries(webClientBaseSettings)) {
      expect(resource[key], key).toEqual(value);
      expect(parameters[key], key).toEqual(value);
    }
  });
});

describe("outputs", () => {
  it.each([
    "SiteUrl",
    "ApiUrl",
    "UserPoolId",
    "UserPoolClientId",
    "CognitoDomainUrl",
    "FilesBucketName",
    "TableName",
  ])("exports %s", (name) => {
    dev.template.hasOutput(name, {});
  });

  it("ApiUrl is the site URL + /api", () => {
    const distribution = logicalIdOf(dev.template, "AWS::CloudFront::Distribution");
    dev.template.hasOutput("ApiUrl", {
      Value: { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [distribution, "DomainName"] }, "/api"]] },
    });
  });
});

describe("cdk-nag (AwsSolutions)", () => {
  const findings = (app: App) => new AwsSolutionsChecks().validateScope(app).violations;

  it.each([
    ["dev", () => dev],
    ["prod (with webapp deployment)", () => prod],
  ])("%s: every finding is fixed or acknowledged with a reason", (_name, synthesized) => {
    const open = findings(synthesized().app).map(
      (violation) =>
        `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(", ")}`,
    );
    expect(open).toEqual([]);
  });

  it("does report an unacknowledged finding (so the check above can fail)", () => {
    const app = new App();
    const stack = new Stack(app, "Probe");
    new s3.Bucket(stack, "Plain");
    expect(findings(app).map((violation) => violation.ruleName)).toEqual(
      expect.arrayContaining(["AwsSolutions-S1", "AwsSolutions-S10"]),
    );
  });
});
