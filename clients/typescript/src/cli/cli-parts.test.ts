import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { exitCodeForStatus, exitCodes } from "./exit-codes.ts";
import { expiry, integerIn } from "./options.ts";
import { progressBar } from "./progress.ts";

describe("option parsers", () => {
  it("--expires takes a duration from now or an ISO date-time, nothing else", () => {
    const parse = expiry(() => Date.parse("2026-11-27T12:00:00Z"));
    expect(parse("30m")).toBe("2026-11-27T12:30:00.000Z");
    expect(parse("7d")).toBe("2026-12-04T12:00:00.000Z");
    expect(parse("2w")).toBe("2026-12-11T12:00:00.000Z");
    expect(parse("2027-01-31T23:59:59+01:00")).toBe("2027-01-31T22:59:59.000Z");
    for (const bad of ["7", "7y", "tomorrow", "2027-01-31", "2027-13-01T00:00:00Z", ""])
      expect(() => parse(bad), bad).toThrow(InvalidArgumentError);
  });

  it("--max is a whole number within its bounds", () => {
    const parse = integerIn(1, 1_000_000);
    expect(parse("1")).toBe(1);
    expect(parse("1000000")).toBe(1_000_000);
    for (const bad of ["0", "1000001", "-1", "1.5", "1e3", "x", ""])
      expect(() => parse(bad), bad).toThrow(InvalidArgumentError);
  });
});

describe("exit codes", () => {
  it("map each problem status to what a script can act on", () => {
    expect([400, 401, 403, 404, 409, 410, 413, 415, 422, 429, 500, 502, 503].map(exitCodeForStatus)).toEqual([
      exitCodes.usage,
      exitCodes.auth,
      exitCodes.auth,
      exitCodes.notFound,
      exitCodes.conflict,
      exitCodes.notFound,
      exitCodes.usage,
      exitCodes.usage,
      exitCodes.conflict,
      exitCodes.unavailable,
      exitCodes.failure,
      exitCodes.failure,
      exitCodes.unavailable,
    ]);
  });
});

describe("progressBar", () => {
  it("off a terminal writes one line per tenth, ending at 100%", () => {
    let clock = 0;
    const lines: string[] = [];
    const bar = progressBar("upload", 50_000_000, { write: (text) => lines.push(text) }, () => clock);
    for (let sent = 0; sent <= 50_000_000; sent += 1_000_000) {
      clock += 100;
      bar.update(sent);
    }
    bar.done();
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe("upload   0%  0.0 / 50.0 MB  0.0 MB/s\n");
    expect(lines.at(-1)).toBe("upload 100%  50.0 / 50.0 MB  9.8 MB/s\n");
  });

  it("on a terminal redraws one line, at most ten times a second", () => {
    let clock = 0;
    const writes: string[] = [];
    const bar = progressBar(
      "up",
      100,
      { write: (text) => writes.push(text), isTTY: true, columns: 80 },
      () => clock,
    );
    bar.update(10);
    bar.update(20);
    clock = 150;
    bar.update(50);
    bar.done();
    expect(writes).toHaveLength(4);
    expect(writes[1]).toMatch(/^\rup \[#+-+\] {2}50%/);
    expect(writes[2]).toMatch(/^\rup \[#+\] 100%/);
    expect(writes[3]).toBe("\n");
  });
});
