import { Aws, CfnCondition, Fn } from "aws-cdk-lib";
import * as wafv2 from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import { type Stage, stageSettings } from "../stage.ts";

/** Requests per minute per viewer address, across every edge and instance (the app's own limits are per instance). */
export const edgeRateLimits = { links: 300, api: 1_200 } as const;

/** AWS managed rule groups: counted in dev (to see what they would block), enforced in prod. */
export const managedRuleGroups = [
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesCommonRuleSet",
] as const;

export interface EdgeFirewallProps {
  stage: Stage;
}

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/**
 * The second line behind the app's per-instance limits (docs/decisions/014-rate-limits.md): a
 * WAF web ACL on the CloudFront distribution with rate-based rules per viewer address for /l/*
 * and /api/* (answered 429 with Retry-After, like the app), and AWS managed rule groups.
 *
 * A CloudFront web ACL exists only in us-east-1: elsewhere the ACL is not created (a
 * CloudFormation condition), and the `WebAcl` output says so.
 */
export class EdgeFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  /** The ACL's ARN in us-east-1, no value elsewhere: for the distribution's WebACLId. */
  readonly webAclArnIfCreated: string;
  readonly condition: CfnCondition;
  /** The web ACL's CloudWatch metric name: the `WebACL` dimension of its `AWS/WAFV2` metrics. */
  readonly metricName: string;

  constructor(scope: Construct, id: string, props: EdgeFirewallProps) {
    super(scope, id);
    this.metricName = `evergate-${props.stage}`;
    const { isProd } = stageSettings(props.stage);
    this.condition = new CfnCondition(this, "InUsEast1", {
      expression: Fn.conditionEquals(Aws.REGION, "us-east-1"),
    });

    const rateRule = (name: string, priority: number, pathPrefix: string, limit: number) => ({
      name,
      priority,
      statement: {
        rateBasedStatement: {
          limit,
          evaluationWindowSec: 60,
          aggregateKeyType: "IP",
          scopeDownStatement: {
            byteMatchStatement: {
              fieldToMatch: { uriPath: {} },
              positionalConstraint: "STARTS_WITH",
              searchString: pathPrefix,
              textTransformations: [{ priority: 0, type: "NONE" }],
            },
          },
        },
      },
      action: {
        block: {
          customResponse: {
            responseCode: 429,
            customResponseBodyKey: "rate-limited",
            responseHeaders: [{ name: "retry-after", value: "60" }],
          },
        },
      },
      visibilityConfig: visibility(name),
    });

    this.webAcl = new wafv2.CfnWebACL(this, "WebAcl", {
      scope: "CLOUDFRONT",
      // WAF allows letters, digits, spaces and = : # @ / - , . in a description: no "*"
      description: "Evergate: per-address rate limits on /l/ and /api/ paths, AWS managed rule groups",
      defaultAction: { allow: {} },
      visibilityConfig: visibility(this.metricName),
      customResponseBodies: {
        "rate-limited": {
          contentType: "APPLICATION_JSON",
          content: JSON.stringify({
            type: "https://evergate.dev/problems/rate-limited",
            title: "Too many requests",
            status: 429,
            detail: "Too many requests from this address. Retry in 60 s.",
            code: "rate_limited",
          }),
        },
      },
      rules: [
        ...managedRuleGroups.map((name, index) => ({
          name,
          priority: index,
          statement: {
            managedRuleGroupStatement: {
              vendorName: "AWS",
              name,
              // The app refuses bodies over MAX_BODY_BYTES (64 KiB) itself; the group's 8 KB cap would
              // refuse legitimate product descriptions.
              ...(name === "AWSManagedRulesCommonRuleSet"
                ? { ruleActionOverrides: [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }] }
                : {}),
            },
          },
          overrideAction: isProd ? { none: {} } : { count: {} },
          visibilityConfig: visibility(name),
        })),
        rateRule("RateLimitLinks", managedRuleGroups.length, "/l/", edgeRateLimits.links),
        rateRule("RateLimitApi", managedRuleGroups.length + 1, "/api/", edgeRateLimits.api),
      ],
    });
    this.webAcl.cfnOptions.condition = this.condition;
    this.webAclArnIfCreated = Fn.conditionIf(
      this.condition.logicalId,
      this.webAcl.attrArn,
      Aws.NO_VALUE,
    ).toString();
  }
}
