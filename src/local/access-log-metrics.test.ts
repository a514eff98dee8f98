import { describe, expect, it } from "vitest";
import { logAccess } from "#src/http/middleware.ts";
import { jsonLogger } from "#src/logger.ts";
import { accessLogMetrics, percentile } from "./access-log-metrics.ts";

describe("accessLogMetrics", () => {
  it("counts what the AWS alarms count, from the app's real access lines, and passes every line on", () => {
    // Prepare
    const lines: string[] = [];
    const metrics = accessLogMetrics(jsonLogger("info", (line) => lines.push(line)));
    const startedAt = performance.now();
    // Act: 1,000 redirects, 30 link 410s, 15 API 503s, one unrelated line
    for (let i = 0; i < 1000; i++) {
      logAccess(metrics.logger, {
        requestId: `r${i}`,
        method: "GET",
        path: `/l/evg_${i}`,
        status: 302,
        startedAt,
      });
    }
    for (let i = 0; i < 30; i++) {
      logAccess(metrics.logger, {
        requestId: "g",
        method: "GET",
        path: "/l/evg_gone",
        status: 410,
        startedAt,
      });
    }
    for (let i = 0; i < 15; i++) {
      logAccess(metrics.logger, {
        requestId: "u",
        method: "GET",
        path: "/api/products",
        status: 503,
        startedAt,
      });
    }
    metrics.logger.info("sweep done", { deleted: 3 });
    const summary = metrics.takeSummary();
    // Assess
    expect(summary).toMatchObject({
      requests: 1045,
      clientErrors: 30,
      serverErrors: 15,
      serverErrorPercent: 1.44,
      linkRequests: 1030,
    });
    expect(summary.linkP99Ms).toBeGreaterThanOrEqual(summary.linkP50Ms ?? Number.POSITIVE_INFINITY);
    expect(lines).toHaveLength(1046);
    expect(lines.join("\n")).not.toContain("evg_");
    expect(metrics.takeSummary()).toMatchObject({ requests: 0, linkRequests: 0, linkP99Ms: undefined });
  });

  it("nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 99)).toBeUndefined();
  });
});
