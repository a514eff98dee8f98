import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

export interface CognitoStandIn {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const cognitoLocalBin = join(dirname(require.resolve("cognito-local/package.json")), "lib/bin/start.js");

/**
 * The child runs this instead of the bin directly: it exits as soon as our end of its stdin
 * closes, which happens however this process dies (even SIGKILL), so no cognito-local outlives us.
 */
const exitWithParent = `for (const event of ["end", "close", "error"]) process.stdin.on(event, () => process.exit(0)); process.stdin.resume(); require(process.argv[1]);`;

const startTimeoutMs = 15_000;

/**
 * Runs cognito-local as a child process on 127.0.0.1 and a free port, with its `.cognito/` data
 * under `directory`. Tokens it issues carry `iss = <endpoint>/<userPoolId>`.
 */
export async function startCognitoStandIn(options: { directory: string }): Promise<CognitoStandIn> {
  assertPatched();
  await mkdir(join(options.directory, ".cognito"), { recursive: true });
  await writeFile(
    join(options.directory, ".cognito", "config.json"),
    // cognito-local otherwise makes every pool email-as-username, which AWS only does when asked
    JSON.stringify({ UserPoolDefaults: { UsernameAttributes: [] } }, null, 2),
  );
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options.directory, await findFreePort());
    } catch (error) {
      // another process may take the free port between our probe and the child's listen
      if (attempt >= 3 || !String((error as Error).message).includes("EADDRINUSE")) throw error;
    }
  }
}

async function startOnce(directory: string, port: number): Promise<CognitoStandIn> {
  const endpoint = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child = spawn(process.execPath, ["-e", exitWithParent, cognitoLocalBin], {
    cwd: directory,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DEBUG: "",
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: "1",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const remember = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on("data", remember);
  child.stderr?.on("data", remember);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.off("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
        await exited;
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  try {
    await waitUntilHealthy(endpoint, child, () => output.join(""));
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error("Cognito stand-in has no pid");
  return { endpoint, pid: child.pid, stop };
}

async function waitUntilHealthy(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  while (Date.now() < deadline) {
    if (spawnError) {
      throw new Error(`Cognito stand-in (cognito-local) could not be spawned: ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `Cognito stand-in (cognito-local) exited with ${child.exitCode ?? child.signalCode} before answering on ${endpoint}:\n${output()}`,
      );
    }
    try {
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(
    `Cognito stand-in (cognito-local) did not answer on ${endpoint} within ${startTimeoutMs} ms:\n${output()}`,
  );
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** `npm install <pkg>` silently undoes patch-package; without the patch the hosted login is laxer than Cognito's. */
function assertPatched(): void {
  const routes = join(dirname(cognitoLocalBin), "../oauth2/routes.js");
  if (!readFileSync(routes, "utf8").includes("Evergate patch")) {
    throw new Error(
      "Cognito stand-in: cognito-local is not patched (patches/cognito-local+*.patch). Run `npx patch-package`.",
    );
  }
}
