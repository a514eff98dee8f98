import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { webappCsp } from "../src/http/webapp-headers.ts";
import { staticWebapp } from "../src/local/static-webapp.ts";
import { offlineDeps } from "../src/offline-deps.ts";
import { resolveGetObjectTarget } from "../src/storage/sigv4-presigner.ts";
import { EvergateStack } from "./evergate-stack.ts";

/**
 * Issue 15 §4: the deployed headers must be the ones `npm start` sends. CloudFront's
 * response-headers policies (synthesized here) are compared with what the app and the local static
 * server actually answer. ADR 016.
 */

type Json = unknown;

/** A CloudFormation value as text, with each token shown as {Ref} or {Resource.Attribute}. */
function render(value: Json): string {
  if (typeof value === "string") return value;
  const object = value as Record<string, Json>;
  if ("Ref" in object) return `{${object.Ref as string}}`;
  if ("Fn::GetAtt" in object) return `{${(object["Fn::GetAtt"] as string[]).join(".")}}`;
  if ("Fn::Join" in object) {
    const [separator, parts] = object["Fn::Join"] as [string, Json[]];
    return parts.map(render).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

interface SecurityHeadersConfig {
  StrictTransportSecurity?: { Override: boolean };
  ContentSecurityPolicy?: { ContentSecurityPolicy: Json; Override: boolean };
  ContentTypeOptions?: { Override: boolean };
  ReferrerPolicy?: { ReferrerPolicy: string; Override: boolean };
  FrameOptions?: { FrameOption: string; Override: boolean };
  XSSProtection?: unknown;
}
interface PolicyConfig {
  SecurityHeadersConfig?: SecurityHeadersConfig;
  CustomHeadersConfig?: unknown;
  RemoveHeadersConfig?: unknown;
  CorsConfig?: unknown;
}

/** The headers a policy puts on an answer, lower-case names, and whether it replaces the origin's. */
function headersOf(config: PolicyConfig): Map<string, { value: string; override: boolean }> {
  const security = config.SecurityHeadersConfig ?? {};
  const headers = new Map<string, { value: string; override: boolean }>();
  if (security.StrictTransportSecurity)
    headers.set("strict-transport-security", {
      value: "(HSTS)",
      override: security.StrictTransportSecurity.Override,
    });
  if (security.ContentSecurityPolicy)
    headers.set("content-security-policy", {
      value: render(security.ContentSecurityPolicy.ContentSecurityPolicy),
      override: security.ContentSecurityPolicy.Override,
    });
  if (security.ContentTypeOptions)
    headers.set("x-content-type-options", {
      value: "nosniff",
      override: security.ContentTypeOptions.Override,
    });
  if (security.ReferrerPolicy)
    headers.set("referrer-policy", {
      value: security.ReferrerPolicy.ReferrerPolicy,
      override: security.ReferrerPolicy.Override,
    });
  if (security.FrameOptions)
    headers.set("x-frame-options", {
      value: security.FrameOptions.FrameOption,
      override: security.FrameOptions.Override,
    });
  return headers;
}

/** Security headers only: what a response-headers policy could set or replace. */
const SECURITY_HEADERS = [
  "strict-transport-security",
  "content-security-policy",
  "x-content-type-options",
  "referrer-policy",
  "x-frame-options",
  "x-xss-protection",
];
const securityHeadersOf = (headers: Headers) =>
  Object.fromEntries([...headers].filter(([name]) => SECURITY_HEADERS.includes(name)));

let stack: EvergateStack;
let webappPolicy: PolicyConfig;
let apiPolicies: PolicyConfig[];
const webappDir = mkdtempSync(join(tmpdir(), "evergate-headers-webapp-"));

beforeAll(() => {
  writeFileSync(join(webappDir, "index.html"), "<!doctype html><title>shell</title>");
  writeFileSync(join(webappDir, "app.js"), "console.log('app')");
  stack = new EvergateStack(new App(), "Evergate-dev", {
    stage: "dev",
    apiCode: lambda.Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
  });
  const template = Template.fromStack(stack);
  const policies = template.findResources("AWS::CloudFront::ResponseHeadersPolicy") as Record<
    string,
    { Properties: { ResponseHeadersPolicyConfig: PolicyConfig } }
  >;
  const distribution = Object.values(template.findResources("AWS::CloudFront::Distribution"))[0] as {
    Properties: {
      DistributionConfig: {
        DefaultCacheBehavior: { ResponseHeadersPolicyId: { Ref: string } };
        CacheBehaviors: { PathPattern: string; ResponseHeadersPolicyId: { Ref: string } }[];
      };
    };
  };
  const { DefaultCacheBehavior, CacheBehaviors } = distribution.Properties.DistributionConfig;
  const configOf = (ref: { Ref: string }) =>
    (policies[ref.Ref] as { Properties: { ResponseHeadersPolicyConfig: PolicyConfig } }).Properties
      .ResponseHeadersPolicyConfig;
  webappPolicy = configOf(DefaultCacheBehavior.ResponseHeadersPolicyId);
  expect(CacheBehaviors.map((behavior) => behavior.PathPattern).sort()).toEqual([
    "/api/*",
    "/api/products/*/image",
    "/l/*",
  ]);
  apiPolicies = CacheBehaviors.map((behavior) => configOf(behavior.ResponseHeadersPolicyId));
});
afterAll(() => rmSync(webappDir, { recursive: true, force: true }));

describe("the deployed webapp's headers equal the local static server's", () => {
  it("the same CSP, nosniff, Referrer-Policy and X-Frame-Options, replacing whatever S3 sends; plus HSTS", async () => {
    const origins = {
      s3: render(stack.resolve(stack.site.webappOrigins.s3)),
      identity: render(stack.resolve(stack.site.webappOrigins.identity)),
    };
    const local = staticWebapp(webappDir, webappCsp(origins));
    const deployed = headersOf(webappPolicy);
    expect(webappPolicy.CustomHeadersConfig).toBeUndefined();
    for (const path of ["/", "/products/abc", "/app.js", "/missing.js"]) {
      const answer = await local(new Request(`http://localhost:3000${path}`));
      const sent = securityHeadersOf(answer.headers);
      expect(Object.keys(sent).sort()).toEqual([
        "content-security-policy",
        "referrer-policy",
        "x-content-type-options",
        "x-frame-options",
      ]);
      for (const [name, value] of Object.entries(sent)) {
        expect(deployed.get(name), name).toEqual({ value, override: true });
      }
      expect([...deployed.keys()].filter((name) => !(name in sent))).toEqual(["strict-transport-security"]);
    }
    expect(deployed.get("referrer-policy")?.value).toBe("no-referrer");
    expect(deployed.get("content-security-policy")?.value).toContain("script-src 'self';");
  });

  it("the CSP allows exactly the S3 host the Lambda's presigned URLs point at, and the managed login", () => {
    const s3 = render(stack.resolve(stack.site.webappOrigins.s3));
    const bucket = render(stack.resolve(stack.data.filesBucketName));
    const region = "{AWS::Region}";
    // The presigner's own endpoint rules for this bucket, in a concrete region, with the tokens put back.
    const concrete = (text: string) =>
      text.replaceAll("{AWS::AccountId}", "123456789012").replaceAll(region, "eu-west-1");
    const target = resolveGetObjectTarget(concrete(bucket), {
      region: "eu-west-1",
      forcePathStyle: false,
      responseChecksumValidation: "WHEN_REQUIRED",
      credentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }),
    });
    expect(concrete(s3).replace("{AWS::URLSuffix}", "amazonaws.com")).toBe(target.base);
    expect(render(stack.resolve(stack.site.webappOrigins.identity))).toMatch(
      /^https:\/\/\{.+\}\.auth\.\{AWS::Region\}\.amazoncognito\.com$/,
    );
  });
});

describe("/api/* and /l/*: CloudFront replaces no header the app sets", () => {
  const app = createApp(offlineDeps());
  const requests: Array<[string, Record<string, string>]> = [
    ["/l/evg_notarealtoken", { accept: "text/html", "user-agent": "Mozilla/5.0" }],
    ["/l/evg_notarealtoken", { "user-agent": "Slackbot-LinkExpanding 1.0", accept: "text/html" }],
    ["/l/evg_notarealtoken", { "user-agent": "curl/8.0" }],
    ["/api/config", {}],
    ["/api/nothing-here", {}],
    ["/api/links", {}],
  ];

  it("every API and link behaviour adds HSTS only, which the app never sends; the app's own headers pass unchanged", async () => {
    const sentByApp = new Map<string, Set<string>>();
    for (const [path, headers] of requests) {
      const answer = await app.request(path, { headers });
      expect(answer.status).toBeLessThan(500);
      for (const [name, value] of Object.entries(securityHeadersOf(answer.headers))) {
        sentByApp.set(name, (sentByApp.get(name) ?? new Set()).add(value));
      }
    }
    expect([...(sentByApp.get("referrer-policy") ?? [])]).toEqual(["no-referrer"]);
    expect([...(sentByApp.get("x-content-type-options") ?? [])]).toEqual(["nosniff"]);
    expect(sentByApp.get("content-security-policy")?.size).toBe(1);
    for (const policy of apiPolicies) {
      expect(policy.CustomHeadersConfig).toBeUndefined();
      expect(policy.RemoveHeadersConfig).toBeUndefined();
      const added = headersOf(policy);
      expect([...added.keys()]).toEqual(["strict-transport-security"]);
      for (const name of added.keys()) expect(sentByApp.has(name), name).toBe(false);
    }
  });
});
