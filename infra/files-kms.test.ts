import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { EvergateStack } from "./evergate-stack.ts";
import type { Stage } from "./stage.ts";

/** SSE-KMS with a customer-managed key, as an option (-c filesKms=true; ADR 020). */
function synthesize(stage: Stage, filesKms: boolean) {
  const app = new App();
  const stack = new EvergateStack(app, `Evergate-${stage}`, {
    stage,
    apiCode: lambda.Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
    filesKms,
  });
  return { app, template: Template.fromStack(stack) };
}

type Resource = { Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const filesBucket = (template: Template) =>
  Object.values(
    template.findResources("AWS::S3::Bucket", { Properties: { BucketName: Match.anyValue() } }),
  )[0] as Resource;
const keyId = (template: Template) => {
  const ids = Object.keys(template.findResources("AWS::KMS::Key"));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};
const identityStatements = (template: Template): Statement[] =>
  Object.values(template.findResources("AWS::IAM::Policy")).flatMap(
    (policy) => ((policy as Resource).Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
const kmsStatements = (template: Template) =>
  identityStatements(template).filter((statement) => JSON.stringify(statement.Action).includes("kms:"));

let prod: ReturnType<typeof synthesize>;
let dev: ReturnType<typeof synthesize>;
let plain: ReturnType<typeof synthesize>;
beforeAll(() => {
  prod = synthesize("prod", true);
  dev = synthesize("dev", true);
  plain = synthesize("prod", false);
});

describe("files bucket with a customer-managed key", () => {
  it("encrypts by default with the key (aws:kms) and an S3 bucket key", () => {
    expect(filesBucket(prod.template).Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: "aws:kms",
            KMSMasterKeyID: { "Fn::GetAtt": [keyId(prod.template), "Arn"] },
          },
          BucketKeyEnabled: true,
        },
      ],
    });
  });

  it("the key rotates, and prod keeps it when the stack goes (losing it loses every file)", () => {
    const key = Object.values(prod.template.findResources("AWS::KMS::Key"))[0] as Resource;
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 30 });
    expect(key.DeletionPolicy).toBe("Retain");
    expect((Object.values(dev.template.findResources("AWS::KMS::Key"))[0] as Resource).DeletionPolicy).toBe(
      "Delete",
    );
  });

  it("the role gets kms:Decrypt (GET, copy source) and kms:GenerateDataKey (PUT, copy target) on that key, via S3 for this bucket only", () => {
    const key = { "Fn::GetAtt": [keyId(prod.template), "Arn"] };
    const condition = {
      StringEquals: {
        "kms:ViaService": { "Fn::Join": ["", ["s3.", { Ref: "AWS::Region" }, ".amazonaws.com"]] },
        "kms:EncryptionContext:aws:s3:arn": {
          "Fn::Join": [
            "",
            [
              "arn:",
              { Ref: "AWS::Partition" },
              ":s3:::evergate-prod-files-",
              { Ref: "AWS::AccountId" },
              "-",
              { Ref: "AWS::Region" },
            ],
          ],
        },
      },
    };
    expect(kmsStatements(prod.template)).toEqual([
      { Sid: "FilesKeyForGet", Effect: "Allow", Action: "kms:Decrypt", Resource: key, Condition: condition },
      {
        Sid: "FilesKeyForPut",
        Effect: "Allow",
        Action: "kms:GenerateDataKey",
        Resource: key,
        Condition: condition,
      },
    ]);
  });

  it("no identity policy gets kms:Encrypt, kms:* or a key other than the files key", () => {
    const actions = kmsStatements(prod.template).flatMap((s) =>
      Array.isArray(s.Action) ? s.Action : [s.Action],
    );
    expect(actions.sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
  });

  it("without the option: SSE-S3, no key, no KMS grants", () => {
    expect(filesBucket(plain.template).Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
    });
    plain.template.resourceCountIs("AWS::KMS::Key", 0);
    expect(kmsStatements(plain.template)).toEqual([]);
  });

  it("cdk-nag has no open finding with the key", () => {
    const open = new AwsSolutionsChecks()
      .validateScope(prod.app)
      .violations.map(
        (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
      );
    expect(open).toEqual([]);
  });
});
