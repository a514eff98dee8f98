import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergeResults, writeResults } from "./results-file.ts";

describe("bench results file", () => {
  it("a partial run replaces the keys it measured and keeps every other one", () => {
    const previous = {
      presign: { usPerOp: 36 },
      hotLink: { naiveRatio: 0.05, writesPerHit: 0.002 },
      observability: { emf: { cpuRatio: 1.2 } },
      when: "2026-11-27T20:00:00.000Z",
    };
    const merged = mergeResults(previous, {
      observability: { emf: { cpuRatio: 1.04 } },
      hotLink: { writesPerHit: 0.001 },
      when: "2026-11-28T00:00:00.000Z",
    });
    expect(merged).toMatchObject({
      presign: { usPerOp: 36 },
      observability: { emf: { cpuRatio: 1.04 } },
      hotLink: { naiveRatio: 0.05, writesPerHit: 0.001 },
      when: "2026-11-28T00:00:00.000Z",
      measuredAt: { observability: "2026-11-28T00:00:00.000Z", hotLink: "2026-11-28T00:00:00.000Z" },
    });
    expect(merged.measuredAt).not.toHaveProperty("presign");
  });

  it("writes into an existing file, or starts one when there is none or it is not JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), "evergate-bench-results-"));
    try {
      const file = join(dir, "results.json");
      await writeResults(file, { presign: { usPerOp: 1 }, when: "a" });
      await writeResults(file, { coldStart: { bundleBytes: 2 }, when: "b" });
      expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({
        presign: { usPerOp: 1 },
        coldStart: { bundleBytes: 2 },
        measuredAt: { presign: "a", coldStart: "b" },
      });
      await writeFile(file, "not json");
      await writeResults(file, { presign: { usPerOp: 3 }, when: "c" });
      expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
        presign: { usPerOp: 3 },
        when: "c",
        measuredAt: { presign: "c" },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
