import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { App, Validations } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks } from "cdk-nag";
import { parseDomainSettings } from "./constructs/custom-domain.ts";
import { parseFilesCdnSettings } from "./constructs/files-cdn.ts";
import { EvergateStack } from "./evergate-stack.ts";
import { parseStage } from "./stage.ts";

const app = new App();
const stage = parseStage(app.node.tryGetContext("stage"));
const fromRepoRoot = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

// -c lambdaDir=… / -c webappDir=… point elsewhere (CI synth with a stub bundle, say).
const lambdaDir = app.node.tryGetContext("lambdaDir") ?? fromRepoRoot("dist/lambda");
if (!existsSync(`${lambdaDir}/index.mjs`)) {
  throw new Error(`No Lambda bundle at ${lambdaDir}/index.mjs: run \`npm run build\` first.`);
}
const webappDir = app.node.tryGetContext("webappDir") ?? fromRepoRoot("dist/webapp");
const localOrigin = app.node.tryGetContext("localOrigin") ?? "http://localhost:3000";

new EvergateStack(app, `Evergate-${stage}`, {
  stage,
  description: `Evergate (${stage}): revocable links to private S3 files, and a shop around them`,
  apiCode: lambda.Code.fromAsset(lambdaDir),
  webappDir: existsSync(webappDir) ? webappDir : undefined,
  localOrigins: stage === "dev" ? [localOrigin] : [],
  selfSignUp: String(app.node.tryGetContext("selfSignUp")) === "true",
  authDomainPrefix: app.node.tryGetContext("authDomainPrefix"),
  domain: parseDomainSettings((key) => app.node.tryGetContext(key)),
  alarmEmail: app.node.tryGetContext("alarmEmail") || undefined,
  filesKms: String(app.node.tryGetContext("filesKms")) === "true",
  // -c tracing=on: X-Ray traces of every function (ADR 029)
  tracing: ["on", "true"].includes(String(app.node.tryGetContext("tracing"))),
  webAcl: app.node.tryGetContext("webAclName") ? { name: app.node.tryGetContext("webAclName") } : undefined,
  // -c tokenKeyIds=b,a after adding key b to the TokenKeys secret (ADR 015)
  tokenKeyIds: app.node.tryGetContext("tokenKeyIds")?.split(","),
  // -c tokenKeysSecretArn=arn:aws:secretsmanager:…: the old deployment's keys (ADR 019, "Migrating")
  tokenKeysSecretArn: app.node.tryGetContext("tokenKeysSecretArn"),
  // On by default in prod (-c filesCdn=off to stay on S3 URLs): -c filesCdnPublicKeys=… -c filesCdnKeySecretArn=…
  filesCdn: parseFilesCdnSettings(
    stage,
    (key) => app.node.tryGetContext(key),
    (path) => readFileSync(path, "utf8"),
  ),
  tags: { project: "evergate", stage },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
