import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { EvergateStack } from "./evergate-stack.ts";
import type { Stage } from "./stage.ts";

/** Data that survives a bad delete, a bad deploy and the stack itself (ADR 019). */
function synthesize(stage: Stage) {
  const app = new App();
  const stack = new EvergateStack(app, `Evergate-${stage}`, {
    stage,
    apiCode: lambda.Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
  });
  return Template.fromStack(stack);
}

type Resource = {
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
const only = (template: Template, type: string, props: Record<string, unknown> = {}): [string, Resource] => {
  const found = Object.entries(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Resource];
};
const filesBucket = (template: Template) =>
  only(template, "AWS::S3::Bucket", { BucketName: Match.anyValue() })[1];
const apiFunctionId = (template: Template) =>
  only(template, "AWS::Lambda::Function", {
    Runtime: "nodejs22.x",
    Description: Match.stringLikeRegexp("^Evergate API"),
  })[0];

let dev: Template;
let prod: Template;
beforeAll(() => {
  dev = synthesize("dev");
  prod = synthesize("prod");
});

describe("files bucket", () => {
  it("is versioned and lets old versions go after 30 days in prod (7 in dev)", () => {
    for (const [template, days] of [
      [prod, 30],
      [dev, 7],
    ] as const) {
      const { Properties } = filesBucket(template);
      expect(Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
      expect((Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toContainEqual({
        Id: "expire-noncurrent-versions",
        NoncurrentVersionExpiration: { NoncurrentDays: days },
        ExpiredObjectDeleteMarker: true,
        Status: "Enabled",
      });
    }
  });

  it("the API role can delete objects but never a version: a bad delete is undone from the old version", () => {
    const actions = JSON.stringify(
      Object.values(prod.findResources("AWS::IAM::Policy")).map(
        (p) => (p as Resource).Properties.PolicyDocument,
      ),
    );
    expect(actions).toContain("s3:DeleteObject");
    expect(actions).not.toMatch(/s3:DeleteObjectVersion|s3:PutLifecycleConfiguration|s3:PutBucketVersioning/);
  });
});

describe("prod keeps its data when the stack or a resource goes away", () => {
  it("table, files bucket and user pool are retained; the table and the pool are deletion-protected", () => {
    const table = only(prod, "AWS::DynamoDB::GlobalTable")[1];
    expect(table).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    expect(table.Properties.Replicas).toEqual([
      expect.objectContaining({
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    ]);
    expect(filesBucket(prod)).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    expect(only(prod, "AWS::Cognito::UserPool")[1]).toMatchObject({
      DeletionPolicy: "Retain",
      Properties: expect.objectContaining({ DeletionProtection: "ACTIVE" }),
    });
    prod.resourceCountIs("Custom::S3AutoDeleteObjects", 0);
    expect(filesBucket(dev).DeletionPolicy).toBe("Delete");
  });
});

/** The four functions that run the one bundle: a rollback must move all of them. */
const evergateFunctions = {
  Api: "Evergate API",
  LinkJobs: "Evergate link jobs",
  AccessEvents: "Evergate access events",
  WebhookDelivery: "Evergate webhook delivery",
} as const;
const functionId = (template: Template, description: string) =>
  only(template, "AWS::Lambda::Function", { Description: Match.stringLikeRegexp(`^${description}`) })[0];
const liveAliasOf = (template: Template, fn: string) =>
  only(template, "AWS::Lambda::Alias", { Name: "live", FunctionName: { Ref: fn } })[0];
const liveAliases = (template: Template) =>
  new Set(Object.keys(template.findResources("AWS::Lambda::Alias", { Properties: { Name: "live" } })));

describe("deploys that can be undone", () => {
  it("every function publishes a version per deploy, keeps the old ones, and points its `live` alias at the new one", () => {
    for (const template of [prod, dev]) {
      for (const description of Object.values(evergateFunctions)) {
        const fn = functionId(template, description);
        const [versionId, version] = only(template, "AWS::Lambda::Version", { FunctionName: { Ref: fn } });
        expect(version, description).toMatchObject({
          DeletionPolicy: "Retain",
          UpdateReplacePolicy: "Retain",
        });
        template.hasResourceProperties("AWS::Lambda::Alias", {
          Name: "live",
          FunctionName: { Ref: fn },
          FunctionVersion: { "Fn::GetAtt": [versionId, "Version"] },
        });
      }
      expect(liveAliases(template).size).toBe(Object.keys(evergateFunctions).length);
    }
  });

  it("every event source mapping invokes a `live` alias, never a function's $LATEST", () => {
    const mappings = Object.values(prod.findResources("AWS::Lambda::EventSourceMapping")) as Resource[];
    // The link jobs' and the access events' table streams, the webhook queue.
    expect(mappings).toHaveLength(3);
    const aliases = liveAliases(prod);
    for (const mapping of mappings) {
      const target = mapping.Properties.FunctionName as { Ref?: string };
      expect(target.Ref && aliases.has(target.Ref), JSON.stringify(target)).toBe(true);
    }
    for (const name of ["LinkJobs", "AccessEvents", "WebhookDelivery"] as const) {
      const alias = liveAliasOf(prod, functionId(prod, evergateFunctions[name]));
      expect(
        mappings.filter((m) => (m.Properties.FunctionName as { Ref?: string }).Ref === alias),
        name,
      ).toHaveLength(1);
    }
  });

  it("the mappings keep their logical ids: CloudFormation points them at `live` in place, keeping the stream position", () => {
    // These ids are the ones the mappings had on $LATEST. A new id would be a new mapping: created
    // beside the old one (a third reader on the table's stream), starting at LATEST, the old one
    // deleted after, so records would run twice or not at all.
    expect(Object.keys(prod.findResources("AWS::Lambda::EventSourceMapping")).sort()).toEqual([
      "AccessEventsFunctionDynamoDBEventSourceEvergateprodDataTable7FE019ED2D477573",
      "LinkJobsFunctionDynamoDBEventSourceEvergateprodDataTable7FE019ED60664BE5",
      "WebhookDeliveryFunctionSqsEventSourceEvergateprodWebhookQueue31EEF20223E33276",
    ]);
  });

  it("schedules and every invoke permission name a `live` alias (or its URL), never a bare function", () => {
    const aliases = liveAliases(prod);
    const functions = new Set(Object.values(evergateFunctions).map((d) => functionId(prod, d)));
    const targets = Object.values(prod.findResources("AWS::Events::Rule")).flatMap(
      (rule) => ((rule as Resource).Properties.Targets ?? []) as { Arn: { Ref?: string } }[],
    );
    // The sweeper (API) and the link jobs' unfinished-job schedule.
    expect(targets).toHaveLength(2);
    for (const target of targets) expect(target.Arn.Ref && aliases.has(target.Arn.Ref)).toBe(true);
    for (const permission of Object.values(prod.findResources("AWS::Lambda::Permission")) as Resource[]) {
      const named = JSON.stringify(permission.Properties.FunctionName);
      for (const fn of functions) {
        expect(named).not.toContain(JSON.stringify({ Ref: fn }));
        expect(named).not.toContain(JSON.stringify({ "Fn::GetAtt": [fn, "Arn"] }));
      }
    }
  });

  it("CloudFront and the sweeper call the API's alias, not $LATEST", () => {
    const fn = apiFunctionId(prod);
    const alias = liveAliasOf(prod, fn);
    prod.hasResourceProperties("AWS::Lambda::Url", {
      AuthType: "AWS_IAM",
      Qualifier: "live",
      TargetFunctionArn: { "Fn::GetAtt": [fn, "Arn"] },
    });
    const [, rule] = only(prod, "AWS::Events::Rule", { ScheduleExpression: "rate(15 minutes)" });
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { Ref: alias } })]);
    const distribution = only(prod, "AWS::CloudFront::Distribution")[0];
    for (const action of ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]) {
      prod.hasResourceProperties("AWS::Lambda::Permission", {
        Action: action,
        Principal: "cloudfront.amazonaws.com",
        FunctionName: { Ref: alias },
        SourceArn: Match.objectLike({ "Fn::Join": ["", Match.arrayWith([{ Ref: distribution }])] }),
      });
    }
  });

  it("outputs each function's name and alias, for every `live` alias there is (npm run rollback reads them)", () => {
    for (const [name, description] of Object.entries(evergateFunctions)) {
      prod.hasOutput(`${name}FunctionName`, { Value: { Ref: functionId(prod, description) } });
      prod.hasOutput(`${name}FunctionAlias`, { Value: "live" });
    }
    const pairs = Object.keys(prod.findOutputs("*")).filter((key) => key.endsWith("FunctionAlias"));
    expect(pairs).toHaveLength(liveAliases(prod).size);
  });
});
