import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
let dataDir: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function run(script: string, env: Record<string, string>, args: string[] = []) {
  const child = spawn(tsx, [script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
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

async function startEvergate(port: number) {
  const started = Date.now();
  const process_ = run("src/local/main.ts", { PORT: String(port), DATA_DIR: dataDir });
  while (!process_.output().includes("Evergate is ready")) {
    if (process_.child.exitCode !== null) throw new Error(`npm start exited: ${process_.output()}`);
    if (Date.now() - started > 60_000) throw new Error(`npm start did not get ready: ${process_.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ...process_, readyMs: Date.now() - started };
}

async function stop(child: ChildProcess, exited: Promise<number | null>) {
  child.kill("SIGTERM");
  return exited;
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "evergate-start-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe("npm start", () => {
  it("serves API, webapp and demo data, prints tokens for curl, stops cleanly and keeps data", async () => {
    const port = await freePort();
    const first = await startEvergate(port);
    try {
      expect(first.output()).toContain(`http://localhost:${port}`);
      expect(first.output()).toContain("user1 / Password.1");
      const health = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(health.status).toBe(200);
      const page = await fetch(`http://127.0.0.1:${port}/products/anything`);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
      const products = (await (await fetch(`http://127.0.0.1:${port}/api/products`)).json()) as {
        items: Array<{ id: string }>;
      };
      expect(products.items.length).toBeGreaterThanOrEqual(4);

      const token = run("src/local/print-token.ts", { DATA_DIR: dataDir }, ["user1"]);
      expect(await token.exited).toBe(0);
      const me = await fetch(`http://127.0.0.1:${port}/api/me`, {
        headers: { authorization: `Bearer ${token.stdout().trim()}` },
      });
      expect(await me.json()).toMatchObject({ username: "user1" });

      const clash = run("src/local/main.ts", { PORT: String(port), DATA_DIR: join(dataDir, "other") });
      expect(await clash.exited).toBe(1);
      expect(clash.output()).toMatch(/Port \d+ is already in use/);

      const state = JSON.parse(await readFile(join(dataDir, "local-stack.json"), "utf8")) as {
        cognito: { pid: number };
      };
      expect(await stop(first.child, first.exited)).toBe(0);
      expect(isAlive(state.cognito.pid)).toBe(false);

      const second = await startEvergate(port);
      const again = (await (await fetch(`http://127.0.0.1:${port}/api/products`)).json()) as {
        items: Array<{ id: string }>;
      };
      expect(again.items.map((p) => p.id)).toEqual(products.items.map((p) => p.id));
      expect(await stop(second.child, second.exited)).toBe(0);

      const notRunning = run("src/local/print-token.ts", { DATA_DIR: dataDir }, ["user1"]);
      expect(await notRunning.exited).toBe(1);
      expect(notRunning.output()).toContain("not running");
    } finally {
      if (first.child.exitCode === null) first.child.kill("SIGKILL");
    }
  }, 120_000);
});
