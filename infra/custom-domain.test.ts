import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { type DomainSettings, parseDomainSettings } from "./constructs/custom-domain.ts";
import { EvergateStack } from "./evergate-stack.ts";

const DOMAIN = "links.example.com";
const ZONE = { hostedZoneId: "Z0123456789ABCDEFGHIJ", zoneName: "example.com" };
const CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab";

function synthesize(domain?: DomainSettings) {
  const app = new App();
  const stack = new EvergateStack(app, "Evergate-prod", {
    stage: "prod",
    apiCode: lambda.Code.fromInline("export const handler = async () => ({ statusCode: 200 });"),
    domain,
  });
  return { app, template: Template.fromStack(stack) };
}

const onlyProperties = (template: Template, type: string, props: Record<string, unknown> = {}) => {
  const found = Object.values(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found, type).toHaveLength(1);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
};
const logicalIdOf = (template: Template, type: string) => {
  const ids = Object.keys(template.findResources(type));
  expect(ids, type).toHaveLength(1);
  return ids[0] as string;
};
const distributionConfig = (template: Template) =>
  onlyProperties(template, "AWS::CloudFront::Distribution").DistributionConfig as Record<string, unknown>;
const apiEnvironment = (template: Template) =>
  (
    onlyProperties(template, "AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      Description: Match.stringLikeRegexp("^Evergate API"),
    }).Environment as {
      Variables: Record<string, unknown>;
    }
  ).Variables;

let withZone: ReturnType<typeof synthesize>;
let withImported: ReturnType<typeof synthesize>;
let without: ReturnType<typeof synthesize>;

beforeAll(() => {
  withZone = synthesize({ domainName: DOMAIN, hostedZone: ZONE });
  withImported = synthesize({ domainName: DOMAIN, certificateArn: CERTIFICATE_ARN });
  without = synthesize();
});

describe("custom domain with a hosted zone", () => {
  it("creates a DNS-validated certificate for the name in that zone", () => {
    withZone.template.hasResourceProperties("AWS::CertificateManager::Certificate", {
      DomainName: DOMAIN,
      ValidationMethod: "DNS",
      DomainValidationOptions: [{ DomainName: DOMAIN, HostedZoneId: ZONE.hostedZoneId }],
    });
  });

  it("refuses to deploy outside us-east-1, where CloudFront could not use the certificate", () => {
    const rules = withZone.template.toJSON().Rules as Record<string, { Assertions: unknown[] }>;
    expect(Object.values(rules)).toContainEqual({
      Assertions: [
        {
          Assert: { "Fn::Equals": [{ Ref: "AWS::Region" }, "us-east-1"] },
          AssertDescription: expect.stringContaining("us-east-1"),
        },
      ],
    });
  });

  it("serves the name on the distribution with that certificate, SNI, TLS 1.2 (2021 ciphers) at least", () => {
    const certificate = logicalIdOf(withZone.template, "AWS::CertificateManager::Certificate");
    expect(distributionConfig(withZone.template)).toMatchObject({
      Aliases: [DOMAIN],
      ViewerCertificate: {
        AcmCertificateArn: { Ref: certificate },
        SslSupportMethod: "sni-only",
        MinimumProtocolVersion: "TLSv1.2_2021",
      },
    });
  });

  it("writes A and AAAA alias records to the distribution", () => {
    const distribution = logicalIdOf(withZone.template, "AWS::CloudFront::Distribution");
    for (const type of ["A", "AAAA"]) {
      withZone.template.hasResourceProperties("AWS::Route53::RecordSet", {
        Name: `${DOMAIN}.`,
        Type: type,
        HostedZoneId: ZONE.hostedZoneId,
        AliasTarget: {
          DNSName: { "Fn::GetAtt": [distribution, "DomainName"] },
          HostedZoneId: Match.anyValue(),
        },
      });
    }
  });

  it("mints links on the domain (PUBLIC_BASE_URL), not on whatever host a request came through", () => {
    expect(apiEnvironment(withZone.template).PUBLIC_BASE_URL).toBe(`https://${DOMAIN}`);
    expect(apiEnvironment(without.template)).not.toHaveProperty("PUBLIC_BASE_URL");
  });

  it("lets the domain, and not *.cloudfront.net, upload (CORS) and sign in (Cognito callbacks)", () => {
    const cors = onlyProperties(withZone.template, "AWS::S3::Bucket", { BucketName: Match.anyValue() })
      .CorsConfiguration as { CorsRules: { AllowedOrigins: unknown[] }[] };
    expect(cors.CorsRules[0]?.AllowedOrigins).toEqual([`https://${DOMAIN}`]);
    const update = JSON.stringify(onlyProperties(withZone.template, "Custom::UserPoolClientUrls").Update);
    expect(update).toContain(`https://${DOMAIN}/callback`);
    expect(update).not.toContain("DomainName");
  });

  it("outputs the site on the domain and the distribution's own name", () => {
    withZone.template.hasOutput("SiteUrl", { Value: `https://${DOMAIN}` });
    withZone.template.hasOutput("DistributionDomainName", {});
  });
});

describe("custom domain with an imported certificate", () => {
  it("uses the ARN as given, creates no certificate, rule or records, and says where to point the name", () => {
    expect(distributionConfig(withImported.template)).toMatchObject({
      Aliases: [DOMAIN],
      ViewerCertificate: { AcmCertificateArn: CERTIFICATE_ARN, MinimumProtocolVersion: "TLSv1.2_2021" },
    });
    withImported.template.resourceCountIs("AWS::CertificateManager::Certificate", 0);
    withImported.template.resourceCountIs("AWS::Route53::RecordSet", 0);
    expect(JSON.stringify(withImported.template.toJSON().Rules ?? {})).not.toContain("AWS::Region");
    withImported.template.hasOutput("DistributionDomainName", {
      Description: Match.stringLikeRegexp(`Point ${DOMAIN.replaceAll(".", "\\.")} at this name`),
    });
  });
});

describe("without a custom domain", () => {
  it("keeps CloudFront's default certificate and name", () => {
    const config = distributionConfig(without.template);
    expect(config).not.toHaveProperty("Aliases");
    expect(config).not.toHaveProperty("ViewerCertificate");
    without.template.resourceCountIs("AWS::CertificateManager::Certificate", 0);
  });
});

describe("cdk-nag", () => {
  it("has no open finding with a domain; the TLS finding (CFR4) is gone rather than acknowledged", () => {
    for (const { app } of [withZone, withImported]) {
      const open = new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName);
      expect(open).toEqual([]);
    }
    const acknowledgedWithout = JSON.stringify(without.app.node.findAll().map((c) => c.node.metadata));
    const acknowledgedWith = JSON.stringify(withZone.app.node.findAll().map((c) => c.node.metadata));
    expect(acknowledgedWithout).toContain("AwsSolutions-CFR4");
    expect(acknowledgedWith).not.toContain("AwsSolutions-CFR4");
  });
});

describe("parseDomainSettings (-c domainName=… and friends)", () => {
  const parse = (context: Record<string, string>) => parseDomainSettings((key) => context[key]);

  it("reads a zone or a certificate, lower-cased", () => {
    expect(parse({})).toBeUndefined();
    expect(
      parse({
        domainName: "Links.Example.com",
        hostedZoneId: ZONE.hostedZoneId,
        hostedZoneName: "example.com",
      }),
    ).toEqual({
      domainName: DOMAIN,
      hostedZone: ZONE,
    });
    expect(parse({ domainName: DOMAIN, certificateArn: CERTIFICATE_ARN })).toEqual({
      domainName: DOMAIN,
      certificateArn: CERTIFICATE_ARN,
    });
  });

  it.each([
    [{ hostedZoneId: "Z1" }, /need -c domainName/],
    [{ domainName: DOMAIN }, /needs -c hostedZoneId/],
    [{ domainName: DOMAIN, hostedZoneId: "Z1" }, /needs -c hostedZoneId/],
    [{ domainName: "not a host" }, /not a host name/],
    [{ domainName: DOMAIN, hostedZoneId: "Z1", hostedZoneName: "example.org" }, /not in the zone/],
    [{ domainName: DOMAIN, certificateArn: CERTIFICATE_ARN.replace("us-east-1", "eu-west-1") }, /us-east-1/],
    [{ domainName: DOMAIN, certificateArn: "arn:aws:iam::123456789012:role/x" }, /us-east-1/],
    [
      {
        domainName: DOMAIN,
        certificateArn: CERTIFICATE_ARN,
        hostedZoneId: "Z1",
        hostedZoneName: "example.com",
      },
      /not both/,
    ],
  ])("refuses %j", (context, message) => {
    expect(() => parse(context)).toThrow(message);
  });
});
