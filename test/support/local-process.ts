import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

/** `npm start` and the other local CLIs as real child processes, for tests that restart them. */
const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");

export interface RunningProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** stdout and stderr, interleaved as they arrived. */
  output(): string;
  stdout(): string;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs a TypeScript entry point of this repository with tsx and extra environment. */
export function runScript(script: string, env: Record<string, string>, args: string[] = []): RunningProcess {
  const child = spawn(tsx, [script, ...args], {
    cwd: root,
    // Rate limits off, as for every test of another feature (the harness does the same).
    env: { ...process.env, RATE_LIMITS_ENABLED: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stdout = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => output, stdout: () => stdout };
}

/** Runs a script to its end; throws with its output when it does not exit 0. */
export async function runToEnd(script: string, env: Record<string, string>, args: string[] = []) {
  const run = runScript(script, env, args);
  const code = await run.exited;
  if (code !== 0) throw new Error(`${script} ${args.join(" ")} exited ${code}:\n${run.output()}`);
  return run;
}

/** `npm start` (src/local/main.ts) on a port and data directory of the test's choosing. */
export async function startLocalProcess(env: { PORT: string; DATA_DIR: string } & Record<string, string>) {
  const started = Date.now();
  const run = runScript("src/local/main.ts", env);
  while (!run.output().includes("Evergate is ready")) {
    if (run.child.exitCode !== null) throw new Error(`npm start exited: ${run.output()}`);
    if (Date.now() - started > 90_000) throw new Error(`npm start did not get ready: ${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    ...run,
    url: `http://127.0.0.1:${env.PORT}`,
    async stop() {
      run.child.kill("SIGTERM");
      const code = await run.exited;
      if (code !== 0) throw new Error(`npm start stopped with ${code}: ${run.output()}`);
    },
    kill() {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    },
  };
}
