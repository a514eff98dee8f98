import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { EvergateStack } from "./evergate-stack.ts";

/** The `tracing` switch (-c tracing=on): X-Ray for every function, or nothing of it (ADR 029). */
function synthesize(tracing: boolean | undefined) {
  const app = new App();
  const stack = new EvergateStack(app, "Evergate-prod", {
    stage: "prod",
    apiCode: lambda.Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
    ...(tracing !== undefined && { tracing }),
  });
  return { app, template: Template.fromStack(stack) };
}

type Resource = { Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
const ourFunctions = (template: Template) =>
  Object.values(
    template.findResources("AWS::Lambda::Function", { Properties: { Runtime: "nodejs22.x" } }),
  ) as Resource[];
const statements = (template: Template) =>
  (Object.values(template.findResources("AWS::IAM::Policy")) as Resource[]).flatMap(
    ({ Properties }) => (Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
const actionsOf = (statement: Statement) => [statement.Action].flat();

let on: ReturnType<typeof synthesize>;
let off: ReturnType<typeof synthesize>;
beforeAll(() => {
  on = synthesize(true);
  off = synthesize(undefined);
});

describe("tracing off (the default)", () => {
  it("no active tracing, TRACING=off, and no X-Ray action in any policy", () => {
    const functions = ourFunctions(off.template);
    expect(functions.length).toBeGreaterThanOrEqual(4);
    for (const { Properties } of functions) {
      const mode = (Properties.TracingConfig as { Mode?: string } | undefined)?.Mode;
      expect([undefined, "PassThrough"]).toContain(mode);
      expect(Properties.Environment).toMatchObject({ Variables: { TRACING: "off" } });
    }
    expect(
      statements(off.template)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith("xray:")),
    ).toEqual([]);
  });
});

describe("tracing on", () => {
  it("every function traces actively with TRACING=on in its environment", () => {
    const functions = ourFunctions(on.template);
    expect(functions.length).toBeGreaterThanOrEqual(4);
    for (const { Properties } of functions) {
      expect(Properties.TracingConfig).toEqual({ Mode: "Active" });
      expect(Properties.Environment).toMatchObject({ Variables: { TRACING: "on" } });
    }
  });

  it("each function's role may write segments and telemetry to X-Ray, and nothing else of X-Ray", () => {
    const roles = ourFunctions(on.template).map(({ Properties }) => Properties.Role);
    const policies = Object.values(on.template.findResources("AWS::IAM::Policy")) as Resource[];
    for (const role of roles) {
      const own = policies
        .filter(({ Properties }) =>
          (Properties.Roles as unknown[]).some(
            (r) =>
              JSON.stringify(r) ===
              JSON.stringify({ Ref: (role as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0] }),
          ),
        )
        .flatMap(({ Properties }) => (Properties.PolicyDocument as { Statement: Statement[] }).Statement);
      const xray = own.filter((s) => actionsOf(s).some((a) => a.startsWith("xray:")));
      expect(xray, JSON.stringify(role)).toEqual([
        { Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
      ]);
    }
    const everyXrayAction = statements(on.template)
      .flatMap(actionsOf)
      .filter((a) => a.startsWith("xray:"));
    expect(new Set(everyXrayAction)).toEqual(new Set(["xray:PutTelemetryRecords", "xray:PutTraceSegments"]));
  });

  it("cdk-nag has no open finding (the X-Ray wildcard is acknowledged where it is granted)", () => {
    const open = new AwsSolutionsChecks()
      .validateScope(on.app)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
    expect(open).toEqual([]);
  });
});
