import { type Dimensions, type MetricName, type Metrics, metricDefinitions } from "./metrics.ts";

/** EMF allows at most 100 values per metric in one document. */
const MAX_VALUES = 100;

type Directive = { Namespace: string; Dimensions: readonly (readonly string[])[]; Metrics: object[] };

const metricEntries = Object.fromEntries(
  Object.entries(metricDefinitions).map(([name, { unit }]) => [name, { Name: name, Unit: unit }]),
) as Record<MetricName, object>;

/**
 * CloudWatch's embedded metric format: what an invocation recorded, written as JSON lines on
 * stdout, from which CloudWatch Logs extracts the metrics. One line holds every value whose
 * dimensions do not clash with the line's (usually all of an invocation's); the rest go on the
 * next. Hand-written rather than Powertools Metrics for the redirect's cold start and CPU budget
 * (ADR 029 has the measurement); test/lambda/emf.test.ts checks the lines against the spec.
 */
export function emfMetrics(namespace: string, write: (line: string) => void, now = Date.now): Metrics {
  let names: MetricName[] = [];
  let values: number[] = [];
  let dimensions: Array<Dimensions | undefined> = [];
  const flushFrom = (pending: number[]) => {
    const document: Record<string, unknown> = {};
    const directives = new Map<unknown, Directive>();
    const later: number[] = [];
    for (const i of pending) {
      const name = names[i] as MetricName;
      const own = dimensions[i];
      let fits = true;
      for (const key in own) if (key in document && document[key] !== own[key]) fits = false;
      const existing = document[name] as number | number[] | undefined;
      if (!fits || (Array.isArray(existing) && existing.length >= MAX_VALUES)) {
        later.push(i);
        continue;
      }
      for (const key in own) document[key] = own[key];
      const value = values[i] as number;
      if (existing === undefined) {
        document[name] = value;
        const sets = metricDefinitions[name].dimensions;
        const directive = directives.get(sets) ?? { Namespace: namespace, Dimensions: sets, Metrics: [] };
        directives.set(sets, directive);
        directive.Metrics.push(metricEntries[name]);
      } else if (Array.isArray(existing)) existing.push(value);
      else document[name] = [existing, value];
    }
    document._aws = { Timestamp: now(), CloudWatchMetrics: [...directives.values()] };
    write(JSON.stringify(document));
    return later;
  };
  return {
    add(name, value, dims) {
      names.push(name);
      values.push(value);
      dimensions.push(dims);
    },
    flush() {
      let pending = names.map((_, i) => i);
      while (pending.length > 0) pending = flushFrom(pending);
      names = [];
      values = [];
      dimensions = [];
    },
  };
}
