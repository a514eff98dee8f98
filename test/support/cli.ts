import { spawn } from "node:child_process";
import { join } from "node:path";
import { Readable } from "node:stream";
import { runCli } from "../../clients/typescript/src/cli/program.ts";

const root = new URL("../..", import.meta.url).pathname;
/** The bin npm links for the workspace: what `npx evergate` runs. */
export const evergateBin = join(root, "node_modules/.bin/evergate");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json<T = Record<string, unknown>>(): T;
}

function cliRun(code: number | null, stdout: string, stderr: string): CliRun {
  return {
    code,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`not JSON (exit ${code}): ${stdout}\n${stderr}`);
      }
    },
  };
}

const isolatedEnv = (env: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "/tmp",
  // Only what the test gives: no EVERGATE_* of the machine's, and a config path nobody has.
  EVERGATE_CONFIG: "/nonexistent/evergate.json",
  ...env,
});

/**
 * The same program in this process (runCli is what bin/evergate.mjs runs, minus setting the
 * process's exit code): for tables of cases, where a process each would cost a second of CPU.
 */
export async function evergateInProcess(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from([options.stdin ?? ""]),
    env: isolatedEnv(options.env),
  });
  return cliRun(code, stdout, stderr);
}

/** Runs `evergate …` as a child process, as a service's script would. */
export function evergateCli(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [evergateBin, ...args], {
    cwd: options.cwd ?? root,
    env: isolatedEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  child.stdin.end(options.stdin ?? "");
  return new Promise((resolve) => child.on("close", (code) => resolve(cliRun(code, stdout, stderr))));
}
