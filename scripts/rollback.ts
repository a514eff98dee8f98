import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import {
  GetAliasCommand,
  LambdaClient,
  paginateListVersionsByFunction,
  UpdateAliasCommand,
} from "@aws-sdk/client-lambda";
import {
  type AliasMove,
  type AliasState,
  type LiveFunction,
  liveFunctionsFromOutputs,
  parseRollbackArgs,
  planRollback,
  RollbackRefusedError,
  undoCommand,
} from "../infra/plan-rollback.ts";

/**
 * npm run rollback -- --stack Evergate-prod [--to-previous | --version <Name>=<N> …] [--region r] [--dry-run]
 *
 * Moves the `live` alias of every function the stack outputs ({Name}FunctionName and
 * {Name}FunctionAlias) to the version before the one it points at, or the named ones to the named
 * versions; refuses to move any if one cannot move. With the operator's credentials (the SDK's
 * default chain): cloudformation:DescribeStacks, lambda:GetAlias, lambda:ListVersionsByFunction,
 * lambda:UpdateAlias. The runbook: infra/README.md, "Roll back a bad deploy".
 */
const request = parseRequest();
const clientConfig = request.region ? { region: request.region } : {};
const cloudFormation = new CloudFormationClient(clientConfig);
const lambda = new LambdaClient(clientConfig);

function parseRequest() {
  try {
    return parseRollbackArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}

async function liveFunctions(stackName: string): Promise<{ functions: LiveFunction[]; lastDeployAt?: Date }> {
  const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = Stacks?.[0];
  if (!stack) throw new RollbackRefusedError([`no stack ${stackName}`]);
  // A deploy in progress would publish and move `live` itself, after or over what we move.
  if (stack.StackStatus?.endsWith("_IN_PROGRESS")) {
    throw new RollbackRefusedError([`${stackName} is ${stack.StackStatus}: wait for it to finish`]);
  }
  return {
    functions: liveFunctionsFromOutputs(stack.Outputs ?? []),
    lastDeployAt: stack.LastUpdatedTime ?? stack.CreationTime,
  };
}

/** The alias (with the revision an update must match) and every published version. */
async function aliasState(fn: LiveFunction): Promise<AliasState & { revisionId?: string }> {
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: fn.functionName, Name: fn.aliasName }));
  const versions: string[] = [];
  let livePublishedAt: Date | undefined;
  for await (const page of paginateListVersionsByFunction(
    { client: lambda },
    { FunctionName: fn.functionName },
  )) {
    for (const version of page.Versions ?? []) {
      if (!version.Version) continue;
      versions.push(version.Version);
      if (version.Version === alias.FunctionVersion && version.LastModified)
        livePublishedAt = new Date(version.LastModified);
    }
  }
  return {
    ...fn,
    liveVersion: alias.FunctionVersion ?? "",
    versions,
    weighted: Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).length > 0,
    livePublishedAt,
    revisionId: alias.RevisionId,
  };
}

const describeMove = (move: AliasMove) =>
  `${move.name.padEnd(16)} ${move.functionName}  ${move.aliasName}: ${move.from} → ${move.to}`;

async function main() {
  const { functions, lastDeployAt } = await liveFunctions(request.stack);
  const states = await Promise.all(functions.map(aliasState));
  const target = request.target.to === "previous" ? { ...request.target, lastDeployAt } : request.target;
  const moves = planRollback(states, target);
  if (moves.length === 0) {
    console.log("Every alias is already where it was asked to be: nothing to move.");
    return;
  }
  if (request.dryRun) {
    console.log(`Would move (dry run, nothing changed):\n${moves.map(describeMove).join("\n")}`);
    return;
  }
  const revisions = new Map(states.map((state) => [state.name, state.revisionId]));
  const moved: AliasMove[] = [];
  for (const move of moves) {
    try {
      // RevisionId: if anyone moved the alias since we read it, Lambda refuses instead of overwriting.
      await lambda.send(
        new UpdateAliasCommand({
          FunctionName: move.functionName,
          Name: move.aliasName,
          FunctionVersion: move.to,
          RevisionId: revisions.get(move.name),
        }),
      );
    } catch (error) {
      console.error(`${move.name}: ${move.aliasName} stays on ${move.from}: ${(error as Error).message}`);
      if (moved.length > 0) {
        console.error(`Moved before that:\n${moved.map(describeMove).join("\n")}`);
        console.error(`Put them back: ${undoCommand(request.stack, moved)}`);
      }
      process.exit(1);
    }
    moved.push(move);
    console.log(describeMove(move));
  }
  console.log(`\nMoved ${moved.length} alias(es); within seconds they serve the versions above.`);
  console.log(`To undo: ${undoCommand(request.stack, moved)}`);
}

main()
  .catch((error) => {
    console.error(
      error instanceof RollbackRefusedError ? error.message : `rollback failed: ${(error as Error).message}`,
    );
    process.exit(1);
  })
  .finally(() => {
    cloudFormation.destroy();
    lambda.destroy();
  });
