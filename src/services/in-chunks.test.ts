import { describe, expect, it } from "vitest";
import { inChunks } from "./in-chunks.ts";

describe("inChunks", () => {
  it("slices in order, the last slice shorter, nothing for nothing", () => {
    expect([...inChunks([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...inChunks([1, 2], 5)]).toEqual([[1, 2]]);
    expect([...inChunks([], 3)]).toEqual([]);
  });

  it("refuses a size that would never end or never start", () => {
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => [...inChunks([1], size)]).toThrow(RangeError);
  });
});
