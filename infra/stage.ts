import { RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";

export const stages = ["dev", "prod"] as const;
export type Stage = (typeof stages)[number];

/** Reads `-c stage=…`; anything but dev or prod stops synthesis instead of deploying a surprise. */
export function parseStage(value: unknown): Stage {
  if (value === undefined || value === "") return "dev";
  if (typeof value === "string" && (stages as readonly string[]).includes(value)) return value as Stage;
  throw new Error(`Unknown stage "${String(value)}": use -c stage=dev or -c stage=prod.`);
}

/** What differs between stages: prod keeps its data when the stack or a resource goes away. */
export function stageSettings(stage: Stage) {
  const isProd = stage === "prod";
  return {
    isProd,
    removalPolicy: isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    deletionProtection: isProd,
    logRetention: isProd ? RetentionDays.THREE_MONTHS : RetentionDays.TWO_WEEKS,
    /** METRICS_NAMESPACE of every function, and where the alarms look (ADR 029): stages apart. */
    metricsNamespace: `Evergate/${stage}`,
  } as const;
}
