import { readFile, writeFile } from "node:fs/promises";

type Results = Record<string, unknown>;

/** Keys that describe a run rather than a scenario's figures. */
const RUN_KEYS = ["machine", "when", "seconds", "measuredAt"];

const record = (value: unknown): Results =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Results) : {};

/**
 * This run's keys over the earlier runs': a partial run (`--only=…`) replaces what it measured and
 * keeps the rest, and `measuredAt` says when each scenario's key was last measured. `hotLink`
 * gathers figures from several scenarios, so it merges key by key.
 */
export function mergeResults(previous: Results, current: Results): Results {
  const measuredAt = { ...record(previous.measuredAt) };
  for (const key of Object.keys(current)) if (!RUN_KEYS.includes(key)) measuredAt[key] = current.when;
  const merged: Results = { ...previous, ...current, measuredAt };
  if ("hotLink" in current) merged.hotLink = { ...record(previous.hotLink), ...record(current.hotLink) };
  return merged;
}

/** Writes `results` merged into what `file` holds (nothing, if it is missing or not JSON). */
export async function writeResults(file: string, results: Results): Promise<void> {
  let previous: Results = {};
  try {
    previous = record(JSON.parse(await readFile(file, "utf8")));
  } catch {}
  await writeFile(file, `${JSON.stringify(mergeResults(previous, results), null, 2)}\n`);
}
