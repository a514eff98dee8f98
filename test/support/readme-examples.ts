import { readFileSync } from "node:fs";

export interface ReadmeExample {
  language: "sh" | "ts";
  code: string;
}

/** The ```sh and ```ts blocks of one `## …` section of README.md, in order. */
export function readmeExamples(heading: string): ReadmeExample[] {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```(sh|ts)\n([\s\S]*?)^```$/gm)].map((match) => ({
    language: match[1] as "sh" | "ts",
    code: match[2] as string,
  }));
}
