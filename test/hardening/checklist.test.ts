import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** docs/security-checklist.md points at tests by file and name: each of them must still exist. */

const root = fileURLToPath(new URL("../../", import.meta.url));
const checklist = readFileSync(`${root}docs/security-checklist.md`, "utf8");
const references = [...checklist.matchAll(/`([^`\s]+\.test\.ts)(?: › ([^`]+))?`/g)].map(
  ([, file, names]) => ({
    file: file ?? "",
    names: (names ?? "")
      .split("›")
      .map((name) =>
        name
          .replace(/…/g, "")
          .replace(/\s*\([^)]*\)\s*$/, "")
          .trim(),
      )
      .filter((name) => name.length > 0),
  }),
);

describe("docs/security-checklist.md", () => {
  it("points at many tests", () => {
    expect(references.length).toBeGreaterThan(40);
  });

  it.each(references.map((ref) => [`${ref.file} › ${ref.names.join(" › ")}`, ref] as const))(
    "%s exists",
    (_label, { file, names }) => {
      expect(existsSync(`${root}${file}`), file).toBe(true);
      const source = readFileSync(`${root}${file}`, "utf8");
      for (const name of names)
        expect(source, `${file} has no test or group named "${name}"`).toContain(name);
    },
  );

  it("numbers every item once", () => {
    const ids = [...checklist.matchAll(/^\| ([A-Z]\d+) \|/gm)].map(([, id]) => id);
    expect(ids.length).toBeGreaterThan(30);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
