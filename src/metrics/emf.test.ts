import { describe, expect, it } from "vitest";
import { emfMetrics } from "./emf.ts";
import { metricDefinitions } from "./metrics.ts";
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
      for (const item of list) expect(Number.isFinite(item)).toBe(true);
    }
  }
  return document;
}

describe("emfMetrics", () => {
  it("writes one EMF line for a redirect's metrics, with the totals the alarms read", () => {
    // Prepare
    const lines: string[] = [];
    const metrics = emfMetrics(
      "Evergate/test",
      (line) => lines.push(line),
      () => 1_795_000_000_000,
    );
    // Act
    metrics.add("ColdStarts", 1);
    metrics.add("DynamoDBLatency", 3.2, { Operation: "UpdateItem" });
    metrics.add("LinkOutcomes", 1, { Outcome: "granted" });
    metrics.add("PresignLatency", 0.1);
    recordRequest(metrics, { route: "/l/{token}", status: 503, ms: 4.1 });
    metrics.flush();
    // Assess
    expect(lines).toHaveLength(1);
    const document = assertEmf(lines[0] as string);
    expect(document).toMatchObject({
      Route: "/l/{token}",
      Requests: 1,
      ClientErrors: 0,
      ServerErrors: 1,
      Latency: 4.1,
      Outcome: "granted",
      Operation: "UpdateItem",
      ColdStarts: 1,
    });
    const directives = (document._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> })
      .CloudWatchMetrics;
    expect(directives.find((d) => d.Dimensions[0]?.[0] === "Route")?.Dimensions).toEqual([["Route"], []]);
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
        .reduce((total, document) => total + [document[name]].flat().length, 0);
    expect(count("Query", "DynamoDBLatency")).toBe(1_250);
    expect(count("GetItem", "DynamoDBThrottles")).toBe(1_250);
    expect(documents.every((document) => typeof document.Operation === "string")).toBe(true);
  });

  it("writes nothing when nothing was recorded, and starts afresh after a flush", () => {
    const lines: string[] = [];
    const metrics = emfMetrics("Evergate", (line) => lines.push(line));
    metrics.flush();
    metrics.add("ColdStarts", 1);
    metrics.flush();
    metrics.flush();
    expect(lines).toHaveLength(1);
  });

  it("every metric has a unit EMF accepts and dimension sets of at most one key plus the total", () => {
    for (const definition of Object.values(metricDefinitions)) {
      expect(["Count", "Milliseconds"]).toContain(definition.unit);
      for (const set of definition.dimensions) expect(set.length).toBeLessThanOrEqual(1);
    }
  });
});
