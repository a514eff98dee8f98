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

describe("deploys that can be undone", () => {
  it("publishes a version per deploy, keeps the old ones, and points the `live` alias at the new one", () => {
    const fn = apiFunctionId(prod);
    const [versionId, version] = only(prod, "AWS::Lambda::Version", { FunctionName: { Ref: fn } });
    expect(version.DeletionPolicy).toBe("Retain");
    prod.hasResourceProperties("AWS::Lambda::Alias", {
      Name: "live",
      FunctionName: { Ref: fn },
      FunctionVersion: { "Fn::GetAtt": [versionId, "Version"] },
    });
  });

  it("CloudFront and the sweeper call the alias, not $LATEST", () => {
    const alias = only(prod, "AWS::Lambda::Alias")[0];
    const fn = apiFunctionId(prod);
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

  it("outputs the function's name and alias for the one-command rollback", () => {
    prod.hasOutput("ApiFunctionName", { Value: { Ref: apiFunctionId(prod) } });
    prod.hasOutput("ApiFunctionAlias", { Value: "live" });
  });
});
