import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evergateBin } from "../support/cli.ts";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";
import { readmeExamples } from "../support/readme-examples.ts";

const root = new URL("../..", import.meta.url).pathname;
const examples = readmeExamples("For services");

let evergate: TestEvergate;
let seller: TestUser;
let product: TestProduct;
let apiKey: string;
let scratch: string;

beforeAll(async () => {
  evergate = await startTestEvergate();
  seller = await evergate.newUser("readme");
  product = await evergate.createProduct(seller, { title: "Lesson 1", filename: "lesson.txt" });
  const created = await evergate.request("POST", "/api/keys", {
    token: seller.token,
    json: { name: "readme", scopes: ["links:read", "links:write", "files:read", "files:write"] },
  });
  apiKey = (await json<{ key: string }>(created)).key;
  scratch = await mkdtemp(join(tmpdir(), "evergate-readme-"));
});
afterAll(async () => {
  await evergate?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
}

async function linksOfCaller() {
  const page = await json<{ items: Array<{ id: string; status: string; recipient?: string }> }>(
    await evergate.request("GET", "/api/links?limit=100", { token: apiKey }),
  );
  return page.items;
}

describe('README "For services"', () => {
  it("has shell and TypeScript examples", () => {
    expect(examples.map((example) => example.language)).toEqual(expect.arrayContaining(["sh", "ts"]));
  });

  it("its shell examples run, in order, in one bash -euo pipefail, with `evergate` on PATH", {
    timeout: 120_000,
  }, async () => {
    // Prepare: a home of its own (login writes ~/.config/evergate/config.json), evergate on PATH
    const home = join(scratch, "home");
    const bin = join(scratch, "bin");
    const cwd = join(scratch, "work");
    await Promise.all([mkdir(home), mkdir(bin), mkdir(cwd)]);
    await symlink(evergateBin, join(bin, "evergate"));
    const script = examples
      .filter((example) => example.language === "sh")
      .map((example) => example.code)
      .join("\n");

    // Act
    const result = await run("bash", ["-euo", "pipefail", "-c", script], {
      cwd,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: home,
        EVERGATE_URL: `http://127.0.0.1:${evergate.port}`,
        EVERGATE_API_KEY: apiKey,
        PRODUCT_ID: product.id,
      },
    });

    // Assess: every command succeeded, the download is the file, the login's file is private,
    // and the link the example made is the one it revoked
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(new Uint8Array(await readFile(join(cwd, "lesson.txt")))).toEqual(product.deliverableBytes);
    expect((await stat(join(home, ".config/evergate/config.json"))).mode & 0o777).toBe(0o600);
    expect(result.stdout).toMatch(/downloads 1, refusals 0/);
    const links = (await linksOfCaller()) as Array<{ recipient?: string; status: string; tags?: string[] }>;
    expect(links.find((link) => link.recipient === "ada@example.com")).toMatchObject({ status: "revoked" });
    // the files block: three links in one bulk call, a fourth, all revoked by their tag
    expect(result.stdout).toContain("3 created, 0 failed");
    await evergate.linkJobsSettled();
    const spring = (await linksOfCaller()).filter((link) =>
      (link as { tags?: string[] }).tags?.includes("spring"),
    );
    expect(spring.map((link) => (link as { status: string }).status)).toEqual([
      "revoked",
      "revoked",
      "revoked",
      "revoked",
    ]);
  });

  it("its TypeScript examples type-check against the generated client and run", async () => {
    // Prepare: in the repository, so `@evergate/client` resolves as it does for a workspace user
    const dir = await mkdtemp(join(root, ".readme-examples-"));
    try {
      const files = await Promise.all(
        examples
          .filter((example) => example.language === "ts")
          .map(async (example, index) => {
            const file = join(dir, `example-${index}.ts`);
            await writeFile(file, example.code);
            return file;
          }),
      );

      // Act + Assess: no type error...
      const config = ts.getParsedCommandLineOfConfigFile(
        join(root, "tsconfig.json"),
        {},
        {
          ...ts.sys,
          onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
            throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
          },
        },
      );
      const program = ts.createProgram(files, config?.options ?? {});
      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      expect(diagnostics).toEqual([]);

      // ... and each runs against the stack
      for (const file of files) {
        const result = await run(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), file], {
          cwd: root,
          env: {
            PATH: process.env.PATH ?? "",
            EVERGATE_URL: `http://127.0.0.1:${evergate.port}`,
            EVERGATE_API_KEY: apiKey,
            PRODUCT_ID: product.id,
          },
        });
        expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
        const [url, refusal] = result.stdout.trim().split("\n");
        expect(url).toMatch(/^http:\/\/[\w.:]+\/l\/evg_\w+$/);
        expect(refusal).toMatch(/^409 conflict /);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
