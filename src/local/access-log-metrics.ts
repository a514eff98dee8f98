import type { Logger } from "#src/logger.ts";

/**
 * Locally, the numbers the AWS alarms watch (infra/constructs/monitoring.ts), from the same access
 * log lines: requests, 4xx, 5xx and their share, and the p50/p99 of /l/{token} as the app measured
 * it (`ms`). `npm start` prints one summary line a minute while there is traffic.
 */
export interface AccessLogSummary {
  requests: number;
  clientErrors: number;
  serverErrors: number;
  serverErrorPercent: number;
  linkRequests: number;
  linkP50Ms?: number;
  linkP99Ms?: number;
}

/** Nearest-rank percentile, as CloudWatch reports pNN of a metric's values. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface AccessLogMetrics {
  /** The logger to give the app: passes every line on, and counts the access lines. */
  logger: Logger;
  /** The window so far, and a fresh window after it. */
  takeSummary(): AccessLogSummary;
  /** Logs the window's summary (when it saw requests) every `everyMs`; returns the stop. */
  start(everyMs: number): () => void;
}

export function accessLogMetrics(inner: Logger): AccessLogMetrics {
  let statuses: number[] = [];
  let linkMs: number[] = [];
  const logger: Logger = {
    ...inner,
    info(message, fields) {
      if (message === "request" && fields && typeof fields.status === "number") {
        statuses.push(fields.status);
        // The CloudWatch metric filter: { $.message = "request" && $.path = "/l/*" }, value $.ms
        if (
          typeof fields.path === "string" &&
          fields.path.startsWith("/l/") &&
          typeof fields.ms === "number"
        ) {
          linkMs.push(fields.ms);
        }
      }
      inner.info(message, fields);
    },
  };
  const takeSummary = (): AccessLogSummary => {
    const sorted = [...linkMs].sort((a, b) => a - b);
    const serverErrors = statuses.filter((status) => status >= 500).length;
    const summary = {
      requests: statuses.length,
      clientErrors: statuses.filter((status) => status >= 400 && status < 500).length,
      serverErrors,
      serverErrorPercent: statuses.length ? Math.round((10_000 * serverErrors) / statuses.length) / 100 : 0,
      linkRequests: sorted.length,
      linkP50Ms: percentile(sorted, 50),
      linkP99Ms: percentile(sorted, 99),
    };
    statuses = [];
    linkMs = [];
    return summary;
  };
  return {
    logger,
    takeSummary,
    start(everyMs) {
      const timer = setInterval(() => {
        const summary = takeSummary();
        if (summary.requests > 0) inner.info("metrics", { windowSeconds: everyMs / 1000, ...summary });
      }, everyMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
