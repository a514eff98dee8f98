import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * docs/security-checklist.md and docs/troubleshooting.md point at tests by file and name: each of
 * them must still exist.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
const checklist = readFileSync(`${root}docs/security-checklist.md`, "utf8");
const referencesIn = (markdown: string) =>
  [...markdown.matchAll(/`([^`\s]+\.test\.ts)(?: › ([^`]+))?`/g)].map(([, file, names]) => ({
    file: file ?? "",
    names: (names ?? "")
      .split("›")
      .map((name) =>
        name
          .replace(/\s+/g, " ") // a name may wrap in the Markdown source
          .replace(/…/g, "")
          .replace(/\s*\([^)]*\)\s*$/, "")
          .trim(),
      )
      .filter((name) => name.length > 0),
  }));
const references = referencesIn(checklist);

function existsAsTest(file: string, names: string[]) {
  expect(existsSync(`${root}${file}`), file).toBe(true);
  const source = readFileSync(`${root}${file}`, "utf8");
  for (const name of names) expect(source, `${file} has no test or group named "${name}"`).toContain(name);
}

describe("docs/troubleshooting.md", () => {
  const guide = referencesIn(readFileSync(`${root}docs/troubleshooting.md`, "utf8"));
  it("points at the tests of the causes Evergate names", () => {
    expect(guide.map(({ file }) => file)).toEqual(
      expect.arrayContaining([
        "test/integration/s3-causes.test.ts",
        "src/storage/s3-causes.test.ts",
        "src/http/errors.test.ts",
      ]),
    );
  });

  it.each(guide.map((ref) => [`${ref.file} › ${ref.names.join(" › ")}`, ref] as const))(
    "%s exists",
    (_label, { file, names }) => existsAsTest(file, names),
  );
});

describe("docs/security-checklist.md", () => {
  it("points at many tests", () => {
    expect(references.length).toBeGreaterThan(40);
  });

  it.each(references.map((ref) => [`${ref.file} › ${ref.names.join(" › ")}`, ref] as const))(
    "%s exists",
    (_label, { file, names }) => existsAsTest(file, names),
  );

  it("numbers every item once", () => {
    const ids = [...checklist.matchAll(/^\| ([A-Z]\d+) \|/gm)].map(([, id]) => id);
    expect(ids.length).toBeGreaterThan(30);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
