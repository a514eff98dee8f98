import { Aws, CfnRule, Fn } from "aws-cdk-lib";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import type * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as route53 from "aws-cdk-lib/aws-route53";
import * as targets from "aws-cdk-lib/aws-route53-targets";
import { Construct } from "constructs";

/**
 * Where links live for good. Either a Route 53 hosted zone (the certificate is created and
 * validated by DNS, and the alias records are written) or the ARN of an existing certificate in
 * us-east-1 (then point the name at the distribution yourself).
 */
export interface DomainSettings {
  /** links.example.com: the host of every link and of the webapp. */
  domainName: string;
  /** A zone the name lives in: the certificate is created with DNS validation in it. */
  hostedZone?: { hostedZoneId: string; zoneName: string };
  /** An ACM certificate in us-east-1 covering domainName, used as it is. */
  certificateArn?: string;
}

/** CloudFront accepts certificates from this region only. */
export const CERTIFICATE_REGION = "us-east-1";

const hostnamePattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Reads the domain settings from CDK context (`-c domainName=… -c hostedZoneId=… -c
 * hostedZoneName=…` or `-c domainName=… -c certificateArn=…`); none of them = no custom domain.
 * Any half-given combination stops synthesis with what is missing.
 */
export function parseDomainSettings(context: (key: string) => unknown): DomainSettings | undefined {
  const read = (key: string) => {
    const value = context(key);
    return value === undefined || value === "" ? undefined : String(value);
  };
  const domainName = read("domainName")?.toLowerCase();
  const hostedZoneId = read("hostedZoneId");
  const zoneName = read("hostedZoneName")?.toLowerCase();
  const certificateArn = read("certificateArn");
  if (!domainName) {
    if (hostedZoneId || zoneName || certificateArn) {
      throw new Error("hostedZoneId, hostedZoneName and certificateArn need -c domainName=… as well.");
    }
    return undefined;
  }
  if (!hostnamePattern.test(domainName)) throw new Error(`domainName "${domainName}" is not a host name.`);
  if (certificateArn && (hostedZoneId || zoneName)) {
    throw new Error("Give either certificateArn or hostedZoneId + hostedZoneName, not both.");
  }
  if (certificateArn) {
    const region = /^arn:aws[\w-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[\w-]+$/.exec(certificateArn)?.[1];
    if (region !== CERTIFICATE_REGION) {
      throw new Error(
        `certificateArn must be an ACM certificate in ${CERTIFICATE_REGION} (CloudFront's region).`,
      );
    }
    return { domainName, certificateArn };
  }
  if (!hostedZoneId || !zoneName) {
    throw new Error(
      "A custom domain needs -c hostedZoneId=… -c hostedZoneName=… (certificate created) or -c certificateArn=….",
    );
  }
  if (domainName !== zoneName && !domainName.endsWith(`.${zoneName}`)) {
    throw new Error(`domainName ${domainName} is not in the zone ${zoneName}.`);
  }
  return { domainName, hostedZone: { hostedZoneId, zoneName } };
}

/**
 * The certificate for the custom domain. Created certificates are created in the stack's own
 * region, so the stack must then be in us-east-1: a CloudFormation rule refuses the deploy
 * anywhere else before anything is created (deploy elsewhere with an imported certificateArn).
 */
export class CustomDomain extends Construct {
  readonly domainName: string;
  readonly certificate: acm.ICertificate;
  /** https://{domainName}: PUBLIC_BASE_URL, the site URL, CORS and Cognito callbacks. */
  readonly url: string;
  private readonly zone?: route53.IHostedZone;

  constructor(scope: Construct, id: string, settings: DomainSettings) {
    super(scope, id);
    this.domainName = settings.domainName;
    this.url = `https://${settings.domainName}`;

    if (settings.certificateArn) {
      this.certificate = acm.Certificate.fromCertificateArn(this, "Certificate", settings.certificateArn);
      return;
    }
    if (!settings.hostedZone) throw new Error("CustomDomain needs a hosted zone or a certificate ARN");
    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, "Zone", settings.hostedZone);
    this.certificate = new acm.Certificate(this, "Certificate", {
      domainName: settings.domainName,
      validation: acm.CertificateValidation.fromDns(this.zone),
    });
    new CfnRule(this, "CertificateRegion", {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, CERTIFICATE_REGION),
          assertDescription: `A created certificate must be in ${CERTIFICATE_REGION} for CloudFront: deploy this stack there, or pass -c certificateArn=… of a certificate in ${CERTIFICATE_REGION}.`,
        },
      ],
    });
  }

  /** A and AAAA alias records to the distribution, when the zone is ours to write. */
  pointAt(distribution: cloudfront.IDistribution): void {
    if (!this.zone) return;
    const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(distribution));
    new route53.ARecord(this, "AliasA", { zone: this.zone, recordName: this.domainName, target });
    new route53.AaaaRecord(this, "AliasAaaa", { zone: this.zone, recordName: this.domainName, target });
  }

  /** Whether the alias records are written here (false: point a CNAME at the distribution). */
  get managesDns(): boolean {
    return this.zone !== undefined;
  }
}
