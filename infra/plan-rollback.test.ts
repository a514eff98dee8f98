import { describe, expect, it } from "vitest";
import {
  type AliasState,
  liveFunctionsFromOutputs,
  parseRollbackArgs,
  planRollback,
  previousVersion,
  RollbackRefusedError,
  undoCommand,
} from "./plan-rollback.ts";

/** `npm run rollback`'s decisions (scripts/rollback.ts does the AWS calls around them). */
const state = (name: string, liveVersion: string, versions: string[], weighted = false): AliasState => ({
  name,
  functionName: `evergate-prod-${name}Function-ABC`,
  aliasName: "live",
  liveVersion,
  versions,
  weighted,
});

const deployment = [
  state("Api", "14", ["$LATEST", "1", "2", "12", "13", "14"]),
  state("LinkJobs", "3", ["$LATEST", "1", "2", "3"]),
  state("AccessEvents", "3", ["$LATEST", "1", "2", "3"]),
  state("WebhookDelivery", "2", ["$LATEST", "1", "2"]),
];

const refusal = (act: () => unknown): readonly string[] => {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(RollbackRefusedError);
    return (error as RollbackRefusedError).problems;
  }
  throw new Error("expected a RollbackRefusedError");
};

describe("previousVersion", () => {
  it.each([
    { versions: ["$LATEST", "1", "2", "3"], live: "3", previous: "2" },
    // Versions 11 and 12 pruned: the highest one left below live.
    { versions: ["$LATEST", "9", "10", "13"], live: "13", previous: "10" },
    // Numeric, not lexical: 10 is above 9.
    { versions: ["9", "10", "11"], live: "11", previous: "10" },
    // Live already moved back: the one below it, not the newest.
    { versions: ["1", "2", "3", "4"], live: "2", previous: "1" },
    { versions: ["$LATEST", "1"], live: "1", previous: undefined },
    { versions: ["$LATEST"], live: "$LATEST", previous: undefined },
    { versions: [], live: "5", previous: undefined },
  ])("$versions, live $live → $previous", ({ versions, live, previous }) => {
    expect(previousVersion(versions, live)).toBe(previous);
  });
});

describe("planRollback --to-previous", () => {
  it("moves every function to its own previous version", () => {
    const moves = planRollback(deployment, { to: "previous" });
    expect(moves.map(({ name, from, to }) => [name, from, to])).toEqual([
      ["Api", "14", "13"],
      ["LinkJobs", "3", "2"],
      ["AccessEvents", "3", "2"],
      ["WebhookDelivery", "2", "1"],
    ]);
    expect(moves[0]).toMatchObject({ functionName: "evergate-prod-ApiFunction-ABC", aliasName: "live" });
  });

  it("moves nothing if any function has no previous version, and names each one", () => {
    // The first deploy that versioned the workers: the API has old versions, the workers only 1.
    const firstVersionedDeploy = [
      state("Api", "14", ["13", "14"]),
      state("LinkJobs", "1", ["$LATEST", "1"]),
      state("AccessEvents", "1", ["$LATEST", "1"]),
    ];
    const problems = refusal(() => planRollback(firstVersionedDeploy, { to: "previous" }));
    expect(problems).toEqual([
      "LinkJobs: no published version below live = 1 to go back to",
      "AccessEvents: no published version below live = 1 to go back to",
    ]);
  });

  it("undoes the last deploy only: a function it did not change (no new version) stays", () => {
    // The last deploy changed only the API's configuration: it published Api 14, nothing else
    const lastDeployAt = new Date("2026-11-28T04:00:00Z");
    const at = (iso: string) => new Date(iso);
    const afterConfigChange = [
      { ...state("Api", "14", ["12", "13", "14"]), livePublishedAt: at("2026-11-28T04:01:10Z") },
      { ...state("LinkJobs", "3", ["1", "2", "3"]), livePublishedAt: at("2026-11-20T09:00:00Z") },
      { ...state("AccessEvents", "3", ["1", "2", "3"]), livePublishedAt: at("2026-11-20T09:00:00Z") },
    ];
    const moves = planRollback(afterConfigChange, { to: "previous", lastDeployAt });
    expect(moves.map(({ name, from, to }) => [name, from, to])).toEqual([["Api", "14", "13"]]);
    // Run again after that rollback: the last deploy's versions are no longer live
    const rolledBack = afterConfigChange.map((fn) =>
      fn.name === "Api" ? { ...fn, liveVersion: "13", livePublishedAt: at("2026-11-25T08:00:00Z") } : fn,
    );
    expect(refusal(() => planRollback(rolledBack, { to: "previous", lastDeployAt }))).toEqual([
      "no live version was published by the last deploy (2026-11-28T04:00:00.000Z): rolled back already? Name versions with --version",
    ]);
  });

  it("never touches a weighted alias", () => {
    const problems = refusal(() =>
      planRollback([state("Api", "14", ["13", "14"], true), state("LinkJobs", "3", ["2", "3"])], {
        to: "previous",
      }),
    );
    expect(problems).toEqual(["Api: live splits traffic between versions; settle it first"]);
  });
});

describe("planRollback --version", () => {
  it("moves exactly the named functions, forward or back, and leaves the others", () => {
    const moves = planRollback(deployment, { to: "versions", versions: { Api: "12", LinkJobs: "3" } });
    // LinkJobs is already on 3: no move.
    expect(moves.map(({ name, from, to }) => [name, from, to])).toEqual([["Api", "14", "12"]]);
  });

  it("refuses a version that does not exist, or a function the stack does not have", () => {
    const problems = refusal(() =>
      planRollback(deployment, { to: "versions", versions: { Api: "11", Sweeper: "2" } }),
    );
    expect(problems).toEqual([
      "no function Sweeper in the stack (it has Api, LinkJobs, AccessEvents, WebhookDelivery)",
      "Api: has no version 11 (it has 1, 2, 12, 13, 14)",
    ]);
  });
});

describe("undoCommand", () => {
  it("puts every moved alias back where it was", () => {
    const moves = planRollback(deployment, { to: "previous" });
    expect(undoCommand("Evergate-prod", moves)).toBe(
      "npm run rollback -- --stack Evergate-prod --version Api=14 --version LinkJobs=3 --version AccessEvents=3 --version WebhookDelivery=2",
    );
    const back = parseRollbackArgs(undoCommand("Evergate-prod", moves).split(" ").slice(4));
    const rolledBack = deployment.map((fn) => ({
      ...fn,
      liveVersion: moves.find((move) => move.name === fn.name)?.to ?? fn.liveVersion,
    }));
    expect(planRollback(rolledBack, back.target).map(({ name, to }) => [name, to])).toEqual(
      deployment.map(({ name, liveVersion }) => [name, liveVersion]),
    );
  });
});

describe("liveFunctionsFromOutputs", () => {
  it("pairs {Name}FunctionName with {Name}FunctionAlias and ignores the other outputs", () => {
    const outputs = [
      { OutputKey: "TableName", OutputValue: "evergate-prod" },
      { OutputKey: "ApiFunctionName", OutputValue: "evergate-api" },
      { OutputKey: "ApiFunctionAlias", OutputValue: "live" },
      { OutputKey: "LinkJobsFunctionAlias", OutputValue: "live" },
      { OutputKey: "LinkJobsFunctionName", OutputValue: "evergate-jobs" },
    ];
    expect(liveFunctionsFromOutputs(outputs)).toEqual([
      { name: "Api", functionName: "evergate-api", aliasName: "live" },
      { name: "LinkJobs", functionName: "evergate-jobs", aliasName: "live" },
    ]);
  });

  it("refuses a name without its alias, and a stack with neither", () => {
    expect(
      refusal(() =>
        liveFunctionsFromOutputs([
          { OutputKey: "ApiFunctionName", OutputValue: "evergate-api" },
          { OutputKey: "ApiFunctionAlias", OutputValue: "live" },
          { OutputKey: "LinkJobsFunctionName", OutputValue: "evergate-jobs" },
        ]),
      ),
    ).toEqual(["the stack outputs LinkJobsFunctionName without its pair"]);
    expect(
      refusal(() => liveFunctionsFromOutputs([{ OutputKey: "TableName", OutputValue: "t" }])),
    ).toHaveLength(1);
  });
});

describe("parseRollbackArgs", () => {
  it("defaults to the previous versions", () => {
    expect(parseRollbackArgs(["--stack", "Evergate-prod"])).toEqual({
      stack: "Evergate-prod",
      target: { to: "previous" },
      dryRun: false,
    });
    expect(
      parseRollbackArgs(["--stack", "Evergate-prod", "--to-previous", "--region", "eu-west-1", "--dry-run"]),
    ).toEqual({ stack: "Evergate-prod", target: { to: "previous" }, region: "eu-west-1", dryRun: true });
  });

  it("takes named versions", () => {
    expect(
      parseRollbackArgs(["--stack", "S", "--version", "Api=12", "--version", "WebhookDelivery=3"]).target,
    ).toEqual({ to: "versions", versions: { Api: "12", WebhookDelivery: "3" } });
  });

  it("refuses a bare version number: each function numbers its own", () => {
    const problems = refusal(() => parseRollbackArgs(["--stack", "S", "--version", "12"]));
    expect(problems[0]).toMatch(/^--version 12: each function numbers its own versions.*--version Api=12$/);
  });

  it.each([
    [[], "--stack <StackName> is required (e.g. Evergate-prod)"],
    [["--stack"], "--stack needs a value"],
    [
      ["--stack", "S", "--to-previous", "--version", "Api=2"],
      "--to-previous and --version exclude each other",
    ],
    [
      ["--stack", "S", "--version", "Api=latest"],
      "--version Api=latest: expected <Name>=<N>, e.g. --version Api=12",
    ],
    [["--stack", "S", "--force"], "unknown argument --force"],
  ])("%j → %s", (argv, problem) => {
    expect(refusal(() => parseRollbackArgs(argv))[0]).toBe(problem);
  });
});
