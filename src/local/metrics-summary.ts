import type { Logger } from "#src/logger.ts";
import { type Dimensions, type MetricName, type Metrics, metricDefinitions } from "#src/metrics/metrics.ts";

/**
 * Locally, the metrics the Lambda writes as EMF (src/metrics/metrics.ts), the same names and
 * dimension sets, aggregated as CloudWatch would: per dimension set (the empty one is the total)
 * a count, a sum, and for milliseconds p50/p99 by nearest rank. `npm start` logs one summary line
 * a minute while there is traffic; tests read `takeSummary()`.
 */
export interface MetricSummary {
  name: MetricName;
  dimensions: Dimensions;
  /** Values recorded (CloudWatch's SampleCount). */
  count: number;
  sum: number;
  p50?: number;
  p99?: number;
}

/** Nearest-rank percentile, as CloudWatch reports pNN of a metric's values. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface MetricsSummary extends Metrics {
  /** The window so far (sorted by name, then dimensions), and a fresh window after it. */
  takeSummary(): MetricSummary[];
  /** One value of the window: e.g. `sumOf("LinkOutcomes", { Outcome: "granted" })`. */
  find(summary: MetricSummary[], name: MetricName, dimensions?: Dimensions): MetricSummary | undefined;
  /** Logs the window's summary (when it saw anything) every `everyMs`; returns the stop. */
  start(logger: Logger, everyMs: number): () => void;
}

export function metricsSummary(): MetricsSummary {
  let window = new Map<string, { name: MetricName; dimensions: Dimensions; values: number[] }>();
  const keyOf = (name: string, dimensions: Dimensions) => `${name}${JSON.stringify(dimensions)}`;
  const takeSummary = (): MetricSummary[] => {
    const summary = [...window.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, { name, dimensions, values }]) => {
        const sorted = [...values].sort((a, b) => a - b);
        return {
          name,
          dimensions,
          count: values.length,
          sum: values.reduce((total, value) => total + value, 0),
          ...(metricDefinitions[name].unit === "Milliseconds"
            ? { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }
            : {}),
        };
      });
    window = new Map();
    return summary;
  };
  return {
    add(name, value, dimensions = {}) {
      for (const set of metricDefinitions[name].dimensions) {
        const own = Object.fromEntries(set.map((key) => [key, dimensions[key] ?? "none"]));
        const key = keyOf(name, own);
        const entry = window.get(key);
        if (entry) entry.values.push(value);
        else window.set(key, { name, dimensions: own, values: [value] });
      }
    },
    // The summary has its own window (start()), not Lambda's invocations.
    endInvocation() {},
    takeSummary,
    find: (summary, name, dimensions = {}) =>
      summary.find((entry) => keyOf(entry.name, entry.dimensions) === keyOf(name, dimensions)),
    start(logger, everyMs) {
      const timer = setInterval(() => {
        const metrics = takeSummary();
        if (metrics.length > 0) logger.info("metrics", { windowSeconds: everyMs / 1000, metrics });
      }, everyMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
