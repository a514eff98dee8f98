/**
 * The metrics Evergate records, one table for AWS (EMF lines, src/metrics/emf.ts) and `npm start`
 * (src/local/metrics-summary.ts): the same names, units and dimensions in both, and the alarms
 * (infra/constructs/monitoring.ts) read them from here. An empty dimension set also publishes the
 * metric without dimensions: the total the alarms watch.
 */
const byRoute = [["Route"], []] as const;
const byOperation = [["Operation"], []] as const;
const total = [[]] as const;

// Metrics with the same dimensions share one array: the EMF writer makes one directive of them.
export const metricDefinitions = {
  /** One per HTTP request, by route template (`/l/{token}`, `/api/links/:id`). */
  Requests: { unit: "Count", dimensions: byRoute },
  /** 1 for a 4xx, else 0, written as sums: Sum(ClientErrors) / Sum(Requests) is the 4xx rate. */
  ClientErrors: { unit: "Count", dimensions: byRoute },
  /** 1 for a 5xx, else 0, written as sums: Sum(ServerErrors) / Sum(Requests) is the 5xx rate. */
  ServerErrors: { unit: "Count", dimensions: byRoute },
  /** From receiving the request to the answer, as the app measured it (the access log's `ms`). */
  Latency: { unit: "Milliseconds", dimensions: byRoute },
  /** One per /l/{token} request, by what it got (src/metrics/link-outcome.ts). */
  LinkOutcomes: { unit: "Count", dimensions: [["Outcome"]] },
  PresignLatency: { unit: "Milliseconds", dimensions: total },
  /** Per attempt DynamoDB answered (a retried call is several): its own latency, not the SDK backoff. */
  DynamoDBLatency: { unit: "Milliseconds", dimensions: byOperation },
  /** Per attempt DynamoDB refused for throughput (retried or not). */
  DynamoDBThrottles: { unit: "Count", dimensions: byOperation },
  ColdStarts: { unit: "Count", dimensions: total },
  /** Per delivery attempt: delivered, retry (scheduled again) or failed (given up). */
  WebhookDeliveries: { unit: "Count", dimensions: [["Result"]] },
} as const satisfies Record<
  string,
  { unit: "Count" | "Milliseconds"; dimensions: readonly (readonly string[])[] }
>;

export type MetricName = keyof typeof metricDefinitions;

/** The dimension values a metric's definition names (its largest dimension set). */
export type Dimensions = Record<string, string>;

export interface Metrics {
  /**
   * Records a value. `dimensions` is read later, when the sink aggregates (EMF buffers a few dozen
   * redirects' values): pass an object that does not change — every caller passes one made once.
   */
  add(name: MetricName, value: number, dimensions?: Readonly<Dimensions>): void;
  /**
   * An invocation ended (the Lambda handler calls it as each one ends): the sink writes what is
   * due. EMF (src/metrics/emf.ts) writes a busy instance's buffer once a second, ADR 029.
   */
  endInvocation(): void;
}

export const noMetrics: Metrics = { add() {}, endInvocation() {} };

/** `map`'s value for `key`, made by `make` the first time: the metrics' caches of dimension objects. */
export function cachedIn<K, V>(map: Map<K, V>, key: K, make: (key: K) => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make(key);
    map.set(key, value);
  }
  return value;
}

/** Milliseconds since `startedAt` (performance.now()), to 0.1 ms as the access log has them. */
export const elapsedMs = (startedAt: number) => Math.round((performance.now() - startedAt) * 10) / 10;
