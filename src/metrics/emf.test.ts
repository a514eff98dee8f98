import { describe, expect, it } from "vitest";
import { EMF_WRITE_INTERVAL_MS, emfMetrics, MAX_VALUES, RECORDED_VALUES } from "./emf.ts";
import { type Dimensions, type MetricName, metricDefinitions } from "./metrics.ts";
import { recordRequest } from "./request-metrics.ts";

/**
 * The embedded metric format's rules (CloudWatch "Specification: Embedded metric format"), checked
 * on every line: a JSON object with `_aws.Timestamp` (ms) and `CloudWatchMetrics` directives; each
 * directive a Namespace, DimensionSets of root-level string members (at most 30 keys), Metrics
 * of root-level numbers or arrays of at most 100 numbers, with a unit CloudWatch knows.
 */
function assertEmf(line: string): Record<string, unknown> {
  const document = JSON.parse(line) as Record<string, unknown>;
  const aws = document._aws as { Timestamp: unknown; CloudWatchMetrics: unknown };
  expect(Number.isInteger(aws.Timestamp)).toBe(true);
  expect(Array.isArray(aws.CloudWatchMetrics)).toBe(true);
  const directives = aws.CloudWatchMetrics as Array<Record<string, unknown>>;
  expect(directives.length).toBeGreaterThan(0);
  const seen = new Set<string>();
  for (const directive of directives) {
    expect(Object.keys(directive).sort()).toEqual(["Dimensions", "Metrics", "Namespace"]);
    expect(directive.Namespace).toMatch(/^[^:].{0,254}$/);
    for (const set of directive.Dimensions as string[][]) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const key of set) expect(typeof document[key]).toBe("string");
    }
    for (const metric of directive.Metrics as Array<{ Name: string; Unit: string }>) {
      expect(["Count", "Milliseconds"]).toContain(metric.Unit);
      expect(seen.has(metric.Name)).toBe(false); // one member per name in a document
      seen.add(metric.Name);
      const value = document[metric.Name];
      const list = Array.isArray(value) ? value : [value];
      expect(list.length).toBeGreaterThan(0);
      expect(list.length).toBeLessThanOrEqual(100);
      expect(list.every((item) => Number.isFinite(item))).toBe(true);
    }
  }
  return document;
}

/** What the documents carry, per metric and dimension values: the values, in order of writing. */
function valuesIn(documents: Array<Record<string, unknown>>): Map<string, number[]> {
  const found = new Map<string, number[]>();
  for (const document of documents) {
    const directives = (document._aws as { CloudWatchMetrics: Array<Record<string, unknown>> })
      .CloudWatchMetrics;
    for (const directive of directives) {
      const keys = [...new Set((directive.Dimensions as string[][]).flat())].sort();
      for (const { Name } of directive.Metrics as Array<{ Name: string }>) {
        const id = seriesId(Name, Object.fromEntries(keys.map((key) => [key, document[key] as string])));
        const values = found.get(id) ?? [];
        values.push(...[document[Name] as number | number[]].flat());
        found.set(id, values);
      }
    }
  }
  return found;
}
const seriesId = (name: string, dimensions: Dimensions = {}) =>
  `${name}${JSON.stringify(Object.fromEntries(Object.entries(dimensions).sort()))}`;

/** A clock the test moves, and the lines written with the time each was written. */
function harness() {
  let time = 1_795_000_000_000;
  const lines: Array<{ at: number; document: Record<string, unknown> }> = [];
  const metrics = emfMetrics("Evergate/test", (line) => lines.push({ at: time, document: assertEmf(line) }), {
    now: () => Math.floor(time), // Date.now() is whole milliseconds
  });
  return { metrics, lines, advance: (ms: number) => (time += ms), now: () => Math.floor(time) };
}

describe("emfMetrics", () => {
  it("writes one EMF line for a redirect's metrics, with the totals the alarms read", () => {
    // Prepare
    const { metrics, lines } = harness();
    // Act
    metrics.add("ColdStarts", 1);
    metrics.add("DynamoDBLatency", 3.2, { Operation: "UpdateItem" });
    metrics.add("LinkOutcomes", 1, { Outcome: "granted" });
    metrics.add("PresignLatency", 0.1);
    recordRequest(metrics, { route: "/l/{token}", status: 503, ms: 4.1 });
    metrics.endInvocation();
    // Assess: the first invocation of an instance is written as it ends
    expect(lines).toHaveLength(1);
    const document = lines[0]?.document as Record<string, unknown>;
    expect(document).toMatchObject({
      Route: "/l/{token}",
      Requests: 1,
      ClientErrors: 0,
      ServerErrors: 1,
      Latency: 4.1,
      Outcome: "granted",
      Operation: "UpdateItem",
      ColdStarts: 1,
      _aws: { Timestamp: 1_795_000_000_000 },
    });
    const directives = (document._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> })
      .CloudWatchMetrics;
    expect(directives.find((d) => d.Dimensions[0]?.[0] === "Route")?.Dimensions).toEqual([["Route"], []]);
  });

  it("a busy instance writes once a second: the invocations in between are buffered, then written together", () => {
    const { metrics, lines, advance } = harness();
    const redirect = (ms: number) => {
      metrics.add("LinkOutcomes", 1, { Outcome: "granted" });
      recordRequest(metrics, { route: "/l/{token}", status: 302, ms });
      metrics.endInvocation();
    };
    redirect(1); // after a quiet spell: written at once
    expect(lines).toHaveLength(1);
    for (let i = 2; i <= 99; i++) {
      advance(10); // 98 redirects 10 ms apart: 980 ms after the last write
      redirect(i);
    }
    expect(lines).toHaveLength(1);
    advance(20);
    redirect(100); // 1,000 ms after the last write
    expect(lines).toHaveLength(2);
    expect(lines[1]?.document).toMatchObject({ Route: "/l/{token}", Outcome: "granted" });
    expect(lines[1]?.document.Latency).toEqual(Array.from({ length: 99 }, (_, i) => i + 2));
    expect(lines[1]?.document._aws).toMatchObject({ Timestamp: 1_795_000_000_010 }); // its oldest value's
  });

  it("a buffer kept over a pause is written on its own when the next invocation records, with its own time", () => {
    const { metrics, lines, advance, now } = harness();
    metrics.add("PresignLatency", 1);
    metrics.endInvocation(); // written: the instance's first
    advance(5);
    const bufferedAt = now();
    metrics.add("PresignLatency", 2);
    metrics.endInvocation(); // buffered: 5 ms after the last write
    expect(lines).toHaveLength(1);
    advance(60_000); // the instance was frozen for a minute
    metrics.add("PresignLatency", 3);
    expect(lines).toHaveLength(2);
    expect(lines[1]?.document).toMatchObject({ PresignLatency: 2, _aws: { Timestamp: bufferedAt } });
    metrics.endInvocation(); // the last write of an invocation's end was a minute ago: due
    expect(lines).toHaveLength(3);
    expect(lines[2]?.document).toMatchObject({ PresignLatency: 3, _aws: { Timestamp: bufferedAt + 60_000 } });
  });

  it("bounds what one long invocation holds: its values go out 100 per metric per document before it ends", () => {
    const { metrics, lines } = harness();
    for (let i = 0; i < 2_500; i++) metrics.add("DynamoDBLatency", i, { Operation: "Query" });
    // Written while the invocation runs: at most a buffer's worth is still held
    const written = lines.reduce(
      (total, { document }) => total + (document.DynamoDBLatency as number[]).length,
      0,
    );
    expect(written).toBeGreaterThan(2_500 - RECORDED_VALUES - MAX_VALUES);
    expect(lines.every(({ document }) => (document.DynamoDBLatency as number[]).length === MAX_VALUES)).toBe(
      true,
    );
    metrics.endInvocation();
    expect(
      valuesIn(lines.map(({ document }) => document)).get(
        seriesId("DynamoDBLatency", { Operation: "Query" }),
      ),
    ).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
  });

  it("sums a Count (every alarm reads its Sum) and lists each Milliseconds value (their percentiles)", () => {
    const { metrics, lines } = harness();
    for (let i = 0; i < 150; i++) {
      metrics.add("LinkOutcomes", 1, { Outcome: "granted" });
      metrics.add("PresignLatency", i / 10);
    }
    metrics.flush();
    const documents = lines.map(({ document }) => document);
    // A document goes out when PresignLatency holds 100 values: the sum so far goes with it
    expect(documents.map((document) => document.LinkOutcomes)).toEqual([100, 50]);
    expect(documents.flatMap((document) => document.PresignLatency as number[])).toEqual(
      Array.from({ length: 150 }, (_, i) => i / 10),
    );
  });

  it("a write that throws inside add() fails nothing there, counts nothing twice, and is thrown by flush", () => {
    // Prepare: the second document written throws (stdout closed mid-burst)
    const documents: Array<Record<string, unknown>> = [];
    let writes = 0;
    const metrics = emfMetrics("Evergate", (line) => {
      if (++writes === 2) throw new Error("EPIPE");
      documents.push(JSON.parse(line));
    });
    // Act: 600 latencies of two routes in one invocation: the buffer fills, series reach 100
    for (let i = 0; i < 600; i++) {
      metrics.add("Latency", 1, { Route: i % 2 ? "/a" : "/b" });
      metrics.add("Requests", 1, { Route: i % 2 ? "/a" : "/b" });
    }
    // Assess: add() never threw; the failed write is reported once, at the invocation's end
    expect(() => metrics.flush()).toThrow("EPIPE");
    expect(() => metrics.flush()).not.toThrow();
    const written = (name: string) =>
      documents.reduce((total, document) => {
        const value = document[name] as number | number[] | undefined;
        return total + (Array.isArray(value) ? value.length : (value ?? 0));
      }, 0);
    // At most what was recorded (one document lost), never more
    expect(written("Latency")).toBeLessThanOrEqual(600);
    expect(written("Latency")).toBeGreaterThanOrEqual(500);
    expect(written("Requests")).toBeLessThanOrEqual(600);
  });

  it("drops a value that is not a finite number rather than write a document CloudWatch would reject", () => {
    const { metrics, lines } = harness();
    metrics.add("PresignLatency", Number.NaN);
    metrics.add("PresignLatency", Number.POSITIVE_INFINITY);
    metrics.add("PresignLatency", 2.5);
    metrics.flush();
    expect(lines.map(({ document }) => document.PresignLatency)).toEqual([2.5]);
  });

  it("puts clashing dimension values on separate lines and never more than 100 values per metric", () => {
    const lines: string[] = [];
    const metrics = emfMetrics("Evergate", (line) => lines.push(line));
    for (let i = 0; i < 2_500; i++) {
      metrics.add("DynamoDBLatency", i % 50, { Operation: i % 2 ? "Query" : "GetItem" });
      metrics.add("DynamoDBThrottles", 1, { Operation: i % 2 ? "Query" : "GetItem" });
    }
    metrics.flush();
    const documents = lines.map(assertEmf);
    const count = (operation: string, name: string) =>
      documents
        .filter((document) => document.Operation === operation)
        .reduce((total, document) => {
          const value = document[name] as number | number[] | undefined;
          // A Count is written as its sum, a Milliseconds metric as its values
          return total + (Array.isArray(value) ? value.length : (value ?? 0));
        }, 0);
    expect(count("Query", "DynamoDBLatency")).toBe(1_250);
    expect(count("GetItem", "DynamoDBThrottles")).toBe(1_250);
    expect(documents.every((document) => typeof document.Operation === "string")).toBe(true);
  });

  it("writes nothing when nothing was recorded, and starts afresh after a write", () => {
    const { metrics, lines, advance } = harness();
    metrics.endInvocation();
    metrics.add("ColdStarts", 1);
    metrics.endInvocation();
    advance(5_000);
    metrics.endInvocation();
    metrics.flush();
    expect(lines).toHaveLength(1);
  });

  it("over 20,000 invocations at random rates, the documents add up to exactly the values recorded", () => {
    // Prepare: a seeded random walk of busy spells and pauses; every Milliseconds value unique,
    // with its time; every Count a small number, its series' sum known
    let seed = 19;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
    const { metrics, lines, advance, now } = harness();
    const recorded = new Map<string, number[]>();
    const sums = new Map<string, number>();
    const writtenSums = new Map<string, number>();
    const summed = (id: string) =>
      metricDefinitions[id.slice(0, id.indexOf("{")) as MetricName].unit === "Count";
    const recordedAt = new Map<number, number>();
    const unwritten = new Set<number>();
    const documents: Array<Record<string, unknown>> = [];
    /** Broken rules, as messages: checked once at the end (an expect per value would be slow). */
    const broken: string[] = [];
    let next = 0;
    const record = (name: MetricName, dimensions?: Dimensions) => {
      const id = seriesId(name, dimensions);
      if (summed(id)) {
        const count = Math.floor(random() * 3);
        metrics.add(name, count, dimensions);
        sums.set(id, (sums.get(id) ?? 0) + count);
        return;
      }
      const value = next++;
      metrics.add(name, value, dimensions);
      const values = recorded.get(id) ?? [];
      values.push(value);
      recorded.set(id, values);
      recordedAt.set(value, now());
      unwritten.add(value);
    };
    const take = () => {
      for (const { document } of lines.splice(0)) {
        documents.push(document);
        const timestamp = (document._aws as { Timestamp: number }).Timestamp;
        for (const [id, values] of valuesIn([document])) {
          if (summed(id)) {
            writtenSums.set(id, (writtenSums.get(id) ?? 0) + (values[0] as number));
            continue;
          }
          for (const value of values) {
            if (!unwritten.delete(value)) broken.push(`${value} written twice, or never recorded`);
            const at = recordedAt.get(value) as number;
            // A document's values are of its timestamp and the second (and an invocation) after it
            if (at < timestamp || at - timestamp >= EMF_WRITE_INTERVAL_MS + 40)
              broken.push(`${value} recorded at ${at} in a document of ${timestamp}`);
          }
        }
      }
    };
    // Act
    for (let invocation = 0; invocation < 20_000; invocation++) {
      // Busy spells, pauses, and gaps just under a second (what a slow trickle of traffic looks like)
      const gap = random();
      advance(gap < 0.002 ? 1_000 + random() * 120_000 : gap < 0.05 ? 500 + random() * 499 : random() * 30);
      if (random() < 0.1) record("ColdStarts");
      record("LinkOutcomes", { Outcome: pick(["granted", "grace_rehit", "invalid_token", "revoked"]) });
      if (random() < 0.5) record("PresignLatency");
      if (random() < 0.3) record("DynamoDBLatency", { Operation: pick(["UpdateItem", "GetItem"]) });
      advance(random() * 3);
      const route = pick(["/l/{token}", "/api/links", "/api/links/{id}"]);
      for (const name of ["Requests", "ClientErrors", "ServerErrors", "Latency"] as const)
        record(name, { Route: route });
      metrics.endInvocation();
      take();
      // What an instance killed now would lose: values of less than the last second
      const oldest = unwritten.values().next().value; // a Set iterates in the order values were added
      if (oldest !== undefined && now() - (recordedAt.get(oldest) as number) >= EMF_WRITE_INTERVAL_MS)
        broken.push(`${oldest} buffered for ${now() - (recordedAt.get(oldest) as number)} ms`);
    }
    metrics.flush();
    take();
    // Assess: every value once, in its own series, in the order recorded; every sum exact; far
    // fewer lines than invocations
    expect(broken.slice(0, 5)).toEqual([]);
    expect(unwritten.size).toBe(0);
    expect(new Map([...valuesIn(documents)].filter(([id]) => !summed(id)))).toEqual(recorded);
    expect(writtenSums).toEqual(sums);
    expect(documents.length).toBeLessThan(20_000 / 4);
  });

  it("every metric has a unit EMF accepts and dimension sets of at most one key plus the total", () => {
    for (const definition of Object.values(metricDefinitions)) {
      expect(["Count", "Milliseconds"]).toContain(definition.unit);
      for (const set of definition.dimensions) expect(set.length).toBeLessThanOrEqual(1);
    }
  });
});
