import { cachedIn, type Dimensions, type MetricName, type Metrics, metricDefinitions } from "./metrics.ts";

/** EMF allows at most 100 values per metric in one document. */
export const MAX_VALUES = 100;
/** A busy instance writes its buffer at most this often (ADR 029: what a killed instance loses). */
export const EMF_WRITE_INTERVAL_MS = 1_000;

type DimensionSets = readonly (readonly string[])[];

/** The values of one metric under one set of dimension values, since the last write. */
interface Series {
  name: MetricName;
  /** The dimension values, as written at the document's root (a copy: callers may reuse theirs). */
  dimensions: Dimensions;
  /** The definition's dimension sets this series can fill (those whose keys it has). */
  sets: DimensionSets;
  values: Float64Array;
  count: number;
}

export interface EmfMetrics extends Metrics {
  /** Writes everything recorded so far, due or not. */
  flush(): void;
}

const EMPTY: Dimensions = Object.freeze({});

/**
 * CloudWatch's embedded metric format, aggregated per instance: `add` puts a value in its
 * metric's series (one per metric and dimension values, up to 100 values in a preallocated
 * array: no allocation per value), and an invocation's end writes the buffer as EMF documents
 * only when the last write is `EMF_WRITE_INTERVAL_MS` old — so a busy instance writes (and
 * serialises) once a second, or when a series reaches 100 values, not once per redirect, and an
 * instance after a quiet spell writes at once. A buffer held over a pause (the instance was
 * frozen for a second or more) is written, with its own timestamp, when the next invocation
 * records its first value. Each document holds, per dimension key, one value (a document has one
 * `Route`, one `Outcome`…): the series that do not fit go in the next. Hand-written rather than
 * Powertools Metrics for the redirect's cold start and CPU budget (ADR 029 has the measurement).
 */
export function emfMetrics(
  namespace: string,
  write: (line: string) => void,
  { now = Date.now, intervalMs = EMF_WRITE_INTERVAL_MS }: { now?: () => number; intervalMs?: number } = {},
): EmfMetrics {
  /** Per metric: its series without dimensions, and by dimension key then value. */
  const plain = new Map<MetricName, Series>();
  const keyed = new Map<MetricName, Map<string, Map<string, Series>>>();
  /** Series with several dimension keys (none of ours), by their JSON. */
  const composite = new Map<string, Series>();
  /** The series holding values, in the order they got their first. */
  let active: Series[] = [];
  let oldestAt = 0;
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let lastEndAt = Number.NEGATIVE_INFINITY;
  let invocationOpen = false;

  const newSeries = (name: MetricName, dimensions: Dimensions): Series => {
    const own = Object.keys(dimensions);
    const defined = metricDefinitions[name].dimensions;
    const fitting = defined.filter((set) => set.every((key) => own.includes(key)));
    // The definition's own array when every set fits, so metrics alike share one directive
    const sets: DimensionSets =
      fitting.length === defined.length ? defined : fitting.length > 0 ? fitting : own.length ? [own] : [[]];
    return { name, dimensions: { ...dimensions }, sets, values: new Float64Array(MAX_VALUES), count: 0 };
  };

  // Written out rather than through cachedIn(): a closure per value is the allocation this avoids.
  const seriesOf = (name: MetricName, dimensions: Dimensions): Series => {
    let key: string | undefined;
    let keys = 0;
    for (const k in dimensions) {
      key = k;
      keys++;
    }
    if (key === undefined) {
      let series = plain.get(name);
      if (series === undefined) {
        series = newSeries(name, EMPTY);
        plain.set(name, series);
      }
      return series;
    }
    if (keys > 1)
      return cachedIn(composite, `${name}${JSON.stringify(dimensions)}`, () => newSeries(name, dimensions));
    let byKey = keyed.get(name);
    if (byKey === undefined) {
      byKey = new Map();
      keyed.set(name, byKey);
    }
    let byValue = byKey.get(key);
    if (byValue === undefined) {
      byValue = new Map();
      byKey.set(key, byValue);
    }
    const value = dimensions[key] as string;
    let series = byValue.get(value);
    if (series === undefined) {
      series = newSeries(name, dimensions);
      byValue.set(value, series);
    }
    return series;
  };

  /** One document: per dimension key one value, per metric one series; the rest are handed back. */
  const writeDocument = (pending: Series[]): Series[] => {
    const document: Record<string, unknown> = {};
    const directives = new Map<
      DimensionSets,
      { Namespace: string; Dimensions: DimensionSets; Metrics: object[] }
    >();
    const later: Series[] = [];
    for (const series of pending) {
      let fits = !(series.name in document);
      for (const key in series.dimensions)
        if (key in document && document[key] !== series.dimensions[key]) fits = false;
      if (!fits) {
        later.push(series);
        continue;
      }
      for (const key in series.dimensions) document[key] = series.dimensions[key];
      document[series.name] =
        series.count === 1 ? series.values[0] : Array.from(series.values.subarray(0, series.count));
      const directive = cachedIn(directives, series.sets, (sets) => ({
        Namespace: namespace,
        Dimensions: sets,
        Metrics: [] as object[],
      }));
      directive.Metrics.push({ Name: series.name, Unit: metricDefinitions[series.name].unit });
    }
    document._aws = { Timestamp: oldestAt, CloudWatchMetrics: [...directives.values()] };
    write(JSON.stringify(document));
    return later;
  };

  const writeAll = () => {
    if (active.length === 0) return;
    const written = active;
    active = [];
    try {
      let pending = written;
      while (pending.length > 0) pending = writeDocument(pending);
    } finally {
      for (const series of written) series.count = 0;
    }
  };

  return {
    add(name, value, dimensions = EMPTY) {
      if (!invocationOpen) {
        invocationOpen = true;
        const at = now();
        // A buffer kept over a pause is written on its own, so its timestamp stays its own.
        if (active.length > 0 && at - lastEndAt >= intervalMs) writeAll();
        if (active.length === 0) oldestAt = at;
      } else if (active.length === 0) oldestAt = now();
      const series = seriesOf(name, dimensions);
      series.values[series.count++] = value;
      if (series.count === 1) active.push(series);
      else if (series.count === MAX_VALUES) writeAll();
    },
    endInvocation() {
      invocationOpen = false;
      if (active.length === 0) return;
      const at = now();
      lastEndAt = at;
      if (at - lastWriteAt < intervalMs) return;
      lastWriteAt = at;
      writeAll();
    },
    flush: writeAll,
  };
}
