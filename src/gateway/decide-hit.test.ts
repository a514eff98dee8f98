import { describe, expect, it } from "vitest";
import type { DownloadHit, GraceSlot } from "#src/domain/download-hit.ts";
import type { Link } from "#src/domain/link.ts";
import { countsOn, decideRefusedHit, type HitOutcome } from "./decide-hit.ts";
import { describeOutcome, hitCases } from "./hit-cases.ts";

describe("the gateway's decision table (one conditional write, then the item as it was)", () => {
  for (const testCase of hitCases) {
    it(`${testCase.method} ${testCase.name} → ${testCase.expected}`, () => {
      const { link, slot, hit } = testCase.build();
      const counted = countsOn(link, slot, hit);
      const outcome: HitOutcome = counted
        ? { kind: "serve", link: link as Link, counted: true }
        : decideRefusedHit(link, slot, hit);
      expect(describeOutcome(outcome)).toBe(testCase.expected);
    });
  }

  it("never counts a GET on a limited link, whoever asks and whatever its state", () => {
    for (const testCase of hitCases.filter((c) => c.method === "GET")) {
      const { link, slot, hit } = testCase.build();
      if (link?.maxDownloads !== undefined) expect(countsOn(link, slot, hit)).toBe(false);
    }
  });

  it("refuses to guess when the condition and the table disagree", () => {
    const { link, slot, hit } = hitCases.find((c) => c.expected === "count")?.build() ?? {};
    expect(() => decideRefusedHit(link as Link, slot as GraceSlot | undefined, hit as DownloadHit)).toThrow(
      /disagree|decision table/,
    );
  });
});
