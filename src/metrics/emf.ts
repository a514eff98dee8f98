import { cachedIn, type Dimensions, type MetricName, type Metrics, metricDefinitions } from "./metrics.ts";

/** EMF allows at most 100 values per metric in one document. */
export const MAX_VALUES = 100;
/** A busy instance writes its buffer at most this often (ADR 029: what a killed instance loses). */
export const EMF_WRITE_INTERVAL_MS = 1_000;
/** Values recorded but not yet put in their series: a few dozen redirects' worth. */
export const RECORDED_VALUES = 512;

type DimensionSets = readonly (readonly string[])[];

/** One metric under one set of dimension values, since the last write. */
interface Series {
  name: MetricName;
  /** The dimension values, as written at the document's root (a copy: callers may reuse theirs). */
  dimensions: Dimensions;
  /** `"Route":"/l/{token}"` per dimension key, JSON made once: a write only joins strings. */
  dimensionMembers: Record<string, string>;
  /** The definition's dimension sets this series can fill (those whose keys it has). */
  sets: DimensionSets;
  /** A `Count` metric is only ever summed (every alarm reads its Sum): one number, not a list. */
  summed: boolean;
  sum: number;
  /** A `Milliseconds` metric keeps each value (its percentiles), up to 100. */
  values: number[];
  /** Values added since the last write. */
  count: number;
}

export interface EmfMetrics extends Metrics {
  /** Writes everything recorded so far, due or not. */
  flush(): void;
}

const EMPTY: Dimensions = Object.freeze({});

/**
 * CloudWatch's embedded metric format, aggregated per instance. `add` only appends the value to a
 * preallocated buffer (three array stores: the redirect pays for nothing more); the buffer is put
 * into its series (one per metric and dimension values: a `Count` summed, a `Milliseconds` value
 * listed, up to 100) when it is full or due — in one tight loop, several times cheaper per value
 * than on the redirect's path, where every lookup meets cold caches (ADR 029 has the numbers).
 * An invocation's end writes everything as EMF documents only when the last write is
 * `EMF_WRITE_INTERVAL_MS` old — so a busy instance writes (and serialises) once a second, or when
 * a series reaches 100 values, not once per redirect, and an instance after a quiet spell writes
 * at once. What has been held for a second or more (over a pause, or over invocations just under a
 * second apart) is written, with its own timestamp, when the next invocation records its first
 * value: a document's values are all within a second (and one invocation) of its timestamp. Each document holds,
 * per dimension key, one value (a document has one `Route`, one `Outcome`…): the series that do
 * not fit go in the next. Hand-written rather than Powertools Metrics for the redirect's cold
 * start and CPU budget (ADR 029 has the measurement).
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
  /** When the oldest value in `active` was recorded: the documents' timestamp. */
  let oldestAt = 0;
  /** Values recorded and not yet in their series: the caller's dimensions object is kept as is. */
  const recordedNames = new Array<MetricName>(RECORDED_VALUES).fill("Requests");
  const recordedValues = new Float64Array(RECORDED_VALUES);
  const recordedDimensions = new Array<Dimensions>(RECORDED_VALUES).fill(EMPTY);
  let recorded = 0;
  let recordedSince = 0;
  /** A write that threw while `add` ran: thrown by the next `endInvocation` or `flush`. */
  let failedWrite: unknown;
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let invocationOpen = false;

  const newSeries = (name: MetricName, dimensions: Dimensions): Series => {
    const own = Object.keys(dimensions);
    const { unit, dimensions: defined } = metricDefinitions[name];
    const fitting = defined.filter((set) => set.every((key) => own.includes(key)));
    // The definition's own array when every set fits, so metrics alike share one directive
    const sets: DimensionSets =
      fitting.length === defined.length ? defined : fitting.length > 0 ? fitting : own.length ? [own] : [[]];
    const summed = unit === "Count";
    return {
      name,
      dimensions: { ...dimensions },
      dimensionMembers: Object.fromEntries(
        own.map((key) => [key, `${JSON.stringify(key)}:${JSON.stringify(String(dimensions[key]))}`]),
      ),
      sets,
      summed,
      sum: 0,
      values: [],
      count: 0,
    };
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

  /**
   * One document: per dimension key one value, per metric one series; the rest are handed back.
   * Joined by hand rather than JSON.stringify of an object: the values are finite numbers (`add`
   * drops the rest) and the names and dimensions were made JSON when their series was.
   */
  const writeDocument = (pending: Series[]): Series[] => {
    const taken: Record<string, string> = {};
    const directives = new Map<
      DimensionSets,
      { Namespace: string; Dimensions: DimensionSets; Metrics: object[] }
    >();
    const later: Series[] = [];
    let members = "";
    for (const series of pending) {
      let fits = !(series.name in taken);
      for (const key in series.dimensions)
        if (key in taken && taken[key] !== series.dimensions[key]) fits = false;
      if (!fits) {
        later.push(series);
        continue;
      }
      taken[series.name] = "";
      for (const key in series.dimensions) {
        if (key in taken) continue;
        taken[key] = series.dimensions[key] as string;
        members += `${series.dimensionMembers[key]},`;
      }
      const values = series.summed
        ? String(series.sum)
        : series.count === 1
          ? String(series.values[0])
          : JSON.stringify(series.values);
      members += `"${series.name}":${values},`;
      const directive = cachedIn(directives, series.sets, (sets) => ({
        Namespace: namespace,
        Dimensions: sets,
        Metrics: [] as object[],
      }));
      directive.Metrics.push(metricEntries[series.name]);
    }
    const aws = { Timestamp: oldestAt, CloudWatchMetrics: [...directives.values()] };
    write(`{${members}"_aws":${JSON.stringify(aws)}}`);
    return later;
  };

  /**
   * Writes the series' values (not the buffer's: `writeAll` does both). A write that throws
   * loses its document's values — never counted twice — and is kept for `endInvocation` or
   * `flush` to throw: `add` runs inside the redirect (a DynamoDB middleware's `finally`) and
   * must never fail it.
   */
  const writeSeries = () => {
    if (active.length === 0) return;
    const written = active;
    active = [];
    try {
      let pending = written;
      while (pending.length > 0) pending = writeDocument(pending);
    } catch (error) {
      failedWrite ??= error;
    } finally {
      for (const series of written) {
        series.count = 0;
        series.sum = 0;
        if (!series.summed) series.values = [];
      }
    }
  };

  /** Puts the buffered values in their series; a series that reaches 100 values writes. */
  const putInSeries = () => {
    const count = recorded;
    recorded = 0;
    for (let i = 0; i < count; i++) {
      const value = recordedValues[i] as number;
      // NaN or ±Infinity are not JSON, and CloudWatch would reject the whole document
      if (!Number.isFinite(value)) continue;
      if (active.length === 0) oldestAt = recordedSince;
      const series = seriesOf(recordedNames[i] as MetricName, recordedDimensions[i] as Dimensions);
      if (series.summed) {
        series.sum += value;
        if (series.count++ === 0) active.push(series);
        continue;
      }
      series.values.push(value);
      if (++series.count === 1) active.push(series);
      else if (series.count === MAX_VALUES) writeSeries();
    }
  };

  /** When the oldest value still held was recorded (the buffer's, or the series'). */
  const heldSince = () => (active.length > 0 ? oldestAt : recordedSince);

  const writeAll = () => {
    putInSeries();
    writeSeries();
    if (failedWrite === undefined) return;
    const error = failedWrite;
    failedWrite = undefined;
    throw error;
  };

  return {
    add(name, value, dimensions = EMPTY) {
      if (!invocationOpen) {
        invocationOpen = true;
        const at = now();
        // What was held for a second or more (a pause, or invocations just under a second apart)
        // is written on its own first, so its values stay within a second of its timestamp.
        if ((recorded > 0 || active.length > 0) && at - heldSince() >= intervalMs) {
          putInSeries();
          writeSeries();
        }
        if (recorded === 0) recordedSince = at;
      } else if (recorded === 0) recordedSince = now();
      recordedNames[recorded] = name;
      recordedValues[recorded] = value;
      recordedDimensions[recorded] = dimensions;
      if (++recorded === RECORDED_VALUES) putInSeries();
    },
    endInvocation() {
      invocationOpen = false;
      if (recorded === 0 && active.length === 0) return;
      const at = now();
      if (at - lastWriteAt < intervalMs) return;
      lastWriteAt = at;
      writeAll();
    },
    flush: writeAll,
  };
}

/** Each metric's entry in a directive's `Metrics`, made once. */
const metricEntries = Object.fromEntries(
  Object.entries(metricDefinitions).map(([name, { unit }]) => [name, { Name: name, Unit: unit }]),
) as Record<MetricName, { Name: string; Unit: string }>;
