/**
 * What `npm run rollback` decides, without AWS: which functions the stack names, where each one's
 * `live` alias goes, and when to refuse. scripts/rollback.ts reads Lambda and CloudFormation and
 * moves the aliases; everything it decides is here (tested in plan-rollback.test.ts).
 */

/** A function the stack outputs as a `{name}FunctionName` / `{name}FunctionAlias` pair. */
export interface LiveFunction {
  /** The outputs' prefix: Api, LinkJobs, AccessEvents, WebhookDelivery. */
  name: string;
  functionName: string;
  aliasName: string;
}

/** One function's alias as Lambda has it now. */
export interface AliasState extends LiveFunction {
  /** The version the alias points at. */
  liveVersion: string;
  /** The function's published versions (`$LATEST`, if listed, is never a target). */
  versions: readonly string[];
  /** The alias also sends a share of its traffic to another version (a weighted alias). */
  weighted: boolean;
  /** When the live version was published (Lambda's LastModified of that version), if known. */
  livePublishedAt?: Date;
}

/** Every function to the version before its live one, or the named functions to named versions. */
export type RollbackTarget =
  /**
   * Undo the last deploy: the functions whose live version it published (at or after
   * `lastDeployAt`, the stack's last update) go to their previous version; the others stay, since
   * the deploy did not change them (it publishes only for the functions it changed).
   */
  { to: "previous"; lastDeployAt?: Date } | { to: "versions"; versions: Readonly<Record<string, string>> };

export interface AliasMove extends LiveFunction {
  from: string;
  to: string;
}

export interface RollbackRequest {
  stack: string;
  target: RollbackTarget;
  region?: string;
  /** Print the moves, make none. */
  dryRun: boolean;
}

export const rollbackUsage =
  "usage: npm run rollback -- --stack <StackName> [--to-previous | --version <Name>=<N> …] [--region <r>] [--dry-run]";

/** Nothing was moved, and why: every problem found, not only the first. */
export class RollbackRefusedError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Nothing was moved:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "RollbackRefusedError";
    this.problems = problems;
  }

  toJSON() {
    return { name: this.name, problems: this.problems };
  }
}

const isVersionNumber = (version: string) => /^[1-9][0-9]*$/.test(version);

/**
 * The highest published version below `live`: what the deploy before the current one published
 * (or an older one, if that one was pruned). Undefined when there is none, or `live` is `$LATEST`.
 */
export function previousVersion(versions: readonly string[], live: string): string | undefined {
  if (!isVersionNumber(live)) return undefined;
  const below = versions
    .filter(isVersionNumber)
    .map(Number)
    .filter((version) => version < Number(live));
  return below.length === 0 ? undefined : String(Math.max(...below));
}

/** The stack's `{name}FunctionName` and `{name}FunctionAlias` outputs, paired by name. */
export function liveFunctionsFromOutputs(
  outputs: readonly { OutputKey?: string; OutputValue?: string }[],
): LiveFunction[] {
  const values = new Map(
    outputs.flatMap(({ OutputKey, OutputValue }) =>
      OutputKey && OutputValue ? [[OutputKey, OutputValue] as const] : [],
    ),
  );
  const names = new Set(
    [...values.keys()].flatMap((key) => key.match(/^(.+)Function(?:Name|Alias)$/)?.slice(1, 2) ?? []),
  );
  const problems: string[] = [];
  const functions: LiveFunction[] = [];
  for (const name of [...names].sort()) {
    const functionName = values.get(`${name}FunctionName`);
    const aliasName = values.get(`${name}FunctionAlias`);
    if (functionName && aliasName) functions.push({ name, functionName, aliasName });
    else
      problems.push(`the stack outputs ${name}Function${functionName ? "Name" : "Alias"} without its pair`);
  }
  if (functions.length === 0 && problems.length === 0) {
    problems.push(
      "the stack has no {Name}FunctionName / {Name}FunctionAlias outputs (deployed before rollback existed?)",
    );
  }
  if (problems.length > 0) throw new RollbackRefusedError(problems);
  return functions;
}

/**
 * Where each alias goes. `previous`: every function the last deploy published a live version of,
 * each to its own previous version, or nothing at all if any of them has none (half a rollback
 * would run old API code beside new workers on one table); a function the deploy did not change
 * stays, so the result is what ran together before it. `versions`: exactly the named functions,
 * to versions that exist; the others stay. A weighted alias is never touched (update-alias would
 * keep sending the other share on).
 */
export function planRollback(states: readonly AliasState[], target: RollbackTarget): AliasMove[] {
  const problems: string[] = [];
  const moves: AliasMove[] = [];
  const move = (state: AliasState, to: string) => {
    const { name, functionName, aliasName, liveVersion } = state;
    if (to !== liveVersion) moves.push({ name, functionName, aliasName, from: liveVersion, to });
  };
  if (target.to === "versions") {
    const known = new Set(states.map((state) => state.name));
    for (const name of Object.keys(target.versions)) {
      if (!known.has(name)) {
        problems.push(`no function ${name} in the stack (it has ${[...known].join(", ")})`);
      }
    }
  }
  const lastDeployAt = target.to === "previous" ? target.lastDeployAt : undefined;
  const changedByLastDeploy = (state: AliasState) =>
    !lastDeployAt || !state.livePublishedAt || state.livePublishedAt >= lastDeployAt;
  for (const state of states) {
    const wanted = target.to === "previous" ? "previous" : target.versions[state.name];
    if (wanted === undefined) continue;
    if (wanted === "previous" && !changedByLastDeploy(state)) continue;
    if (state.weighted) {
      problems.push(`${state.name}: ${state.aliasName} splits traffic between versions; settle it first`);
      continue;
    }
    if (wanted === "previous") {
      const previous = previousVersion(state.versions, state.liveVersion);
      if (previous) move(state, previous);
      else {
        problems.push(
          `${state.name}: no published version below ${state.aliasName} = ${state.liveVersion} to go back to`,
        );
      }
    } else if (state.versions.includes(wanted) && isVersionNumber(wanted)) {
      move(state, wanted);
    } else {
      problems.push(
        `${state.name}: has no version ${wanted} (it has ${state.versions.filter(isVersionNumber).join(", ")})`,
      );
    }
  }
  if (lastDeployAt && problems.length === 0 && moves.length === 0) {
    problems.push(
      `no live version was published by the last deploy (${lastDeployAt.toISOString()}): rolled back already? Name versions with --version`,
    );
  }
  if (problems.length > 0) throw new RollbackRefusedError(problems);
  return moves;
}

/** The command that puts the moved aliases back where they were. */
export function undoCommand(stack: string, moves: readonly AliasMove[]): string {
  const versions = moves.map((move) => `--version ${move.name}=${move.from}`).join(" ");
  return `npm run rollback -- --stack ${stack} ${versions}`;
}

/** The command line, or a RollbackRefusedError saying what is wrong with it. */
export function parseRollbackArgs(argv: readonly string[]): RollbackRequest {
  const problems: string[] = [];
  let stack: string | undefined;
  let region: string | undefined;
  let toPrevious = false;
  let dryRun = false;
  const versions: Record<string, string> = {};
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    const value = () => {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith("--")) {
        problems.push(`${arg} needs a value`);
        return undefined;
      }
      index++;
      return next;
    };
    if (arg === "--stack") stack = value();
    else if (arg === "--region") region = value();
    else if (arg === "--to-previous") toPrevious = true;
    else if (arg === "--dry-run") dryRun = true;
    else if (arg === "--version") {
      const pair = value();
      if (pair === undefined) continue;
      const match = pair.match(/^([A-Za-z0-9]+)=([1-9][0-9]*)$/);
      if (match?.[1] && match[2]) versions[match[1]] = match[2];
      else if (isVersionNumber(pair)) {
        problems.push(
          `--version ${pair}: each function numbers its own versions (a deploy publishes one only for the functions it changed); name the function: --version Api=${pair}`,
        );
      } else problems.push(`--version ${pair}: expected <Name>=<N>, e.g. --version Api=12`);
    } else problems.push(`unknown argument ${arg}`);
  }
  if (!stack) problems.push("--stack <StackName> is required (e.g. Evergate-prod)");
  const named = Object.keys(versions).length > 0;
  if (toPrevious && named) problems.push("--to-previous and --version exclude each other");
  if (problems.length > 0 || !stack) throw new RollbackRefusedError([...problems, rollbackUsage]);
  return {
    stack,
    target: named ? { to: "versions", versions } : { to: "previous" },
    dryRun,
    ...(region && { region }),
  };
}
