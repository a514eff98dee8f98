import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { evergateCli, evergateInProcess } from "../support/cli.ts";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";
import { freePort } from "../support/local-process.ts";

let evergate: TestEvergate;
let seller: TestUser;
let product: TestProduct;
let apiKey: string;
let env: Record<string, string>;
let home: string;

beforeAll(async () => {
  evergate = await startTestEvergate({ configOverrides: { MAX_ACTIVE_LINKS_PER_PRODUCT: "5" } });
  seller = await evergate.newUser("service");
  product = await evergate.createProduct(seller, { title: "Course video", filename: "lesson-1.txt" });
  const created = await evergate.request("POST", "/api/keys", {
    token: seller.token,
    json: { name: "cli", scopes: ["links:read", "links:write"] },
  });
  apiKey = (await json<{ key: string }>(created)).key;
  env = { EVERGATE_URL: `http://127.0.0.1:${evergate.port}`, EVERGATE_API_KEY: apiKey };
  home = await mkdtemp(join(tmpdir(), "evergate-cli-"));
});
// Each spawned CLI is a Node process compiling TypeScript: seconds on a busy machine.
vi.setConfig({ testTimeout: 120_000 });
afterAll(async () => {
  await evergate?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("evergate login / whoami / logout", () => {
  it("keeps the key piped on stdin in a 0600 file, and later commands use it without the environment", async () => {
    // Prepare
    const configPath = join(home, "config", "evergate.json");
    const fileEnv = { EVERGATE_CONFIG: configPath };

    // Act
    const login = await evergateCli(["login", "--url", env.EVERGATE_URL as string], {
      env: fileEnv,
      stdin: `${apiKey}\n`,
    });
    const whoami = await evergateCli(["whoami", "--json"], { env: fileEnv });

    // Assess
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`as ${seller.username} (API key)`);
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(configPath, "utf8"))).toEqual({ url: env.EVERGATE_URL, apiKey });
    expect(login.stdout + login.stderr).not.toContain(apiKey);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.json()).toMatchObject({ username: seller.username, via: "apiKey", url: env.EVERGATE_URL });

    // A key file others may read is refused (exit 4), as ssh refuses a private key
    await chmod(configPath, 0o644);
    const exposed = await evergateInProcess(["whoami"], { env: fileEnv });
    expect(exposed.code).toBe(4);
    expect(exposed.stderr).toContain("chmod 600");
    await chmod(configPath, 0o600);

    const logout = await evergateInProcess(["logout"], { env: fileEnv });
    expect(logout.code).toBe(0);
    await expect(stat(configPath)).rejects.toThrow();
    expect((await evergateInProcess(["whoami"], { env: fileEnv })).code).toBe(4);
  });

  it("refuses a wrong key at login (exit 4) and writes no file", async () => {
    const configPath = join(home, "wrong.json");
    const login = await evergateInProcess(["login", "--url", env.EVERGATE_URL as string], {
      env: { EVERGATE_CONFIG: configPath },
      stdin: "evk_000000000000000000000000000000000000",
    });
    expect(login.code).toBe(4);
    expect(login.stderr).toMatch(/unauthorized, HTTP 401, request /);
    await expect(stat(configPath)).rejects.toThrow();
  });
});

describe("evergate links", () => {
  it("create → get → list → stats → revoke, with --json for scripts; the link works, then stops", async () => {
    // Act: create, in the human form (stdout is the URL alone) and as JSON
    const human = await evergateCli(
      ["links", "create", "--product", product.id, "--recipient", "ada@example.com"],
      { env },
    );
    const created = await evergateInProcess(
      [
        "links",
        "create",
        "--product",
        product.id,
        "--max",
        "3",
        "--expires",
        "7d",
        "--label",
        "for Ada",
        "--json",
      ],
      { env },
    );

    // Assess
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout.trim()).toMatch(
      new RegExp(`^http://(localhost|127\\.0\\.0\\.1):${evergate.port}/l/evg_\\w+$`),
    );
    expect(created.code, created.stderr).toBe(0);
    const link = created.json<{
      id: string;
      url: string;
      token: string;
      maxDownloads: number;
      expiresAt: string;
    }>();
    expect(link.maxDownloads).toBe(3);
    const days = (Date.parse(link.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);

    const download = await fetch(human.stdout.trim(), { redirect: "follow" });
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(product.deliverableBytes);

    const got = await evergateInProcess(["links", "get", link.id, "--json"], { env });
    expect(got.json()).toMatchObject({ id: link.id, status: "active", label: "for Ada", downloadCount: 0 });

    const listed = await evergateInProcess(["links", "list", "--all", "--limit", "1", "--json"], { env });
    const ids = listed.json<{ items: Array<{ id: string }> }>().items.map((item) => item.id);
    expect(ids).toContain(link.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const table = await evergateInProcess(["links", "list"], { env });
    expect(table.stdout).toMatch(new RegExp(`${link.id}\\s+active\\s+0/3\\s+Course video \\(for Ada\\)`));

    const stats = await evergateInProcess(["links", "stats", link.id, "--days", "7", "--json"], { env });
    expect(stats.code, stats.stderr).toBe(0);
    expect(stats.json()).toMatchObject({ downloads: 0, refusals: 0 });

    const revoked = await evergateInProcess(["links", "revoke", link.id, "--json"], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.json<{ items: Array<{ status: string }> }>().items[0]?.status).toBe("revoked");
    expect((await fetch(link.url, { method: "POST", redirect: "manual" })).status).toBe(410);
  });

  it("links create --idempotency-key: a script re-run answers the same link; the key with other options is exit 5", async () => {
    // Act
    const args = ["links", "create", "--product", product.id, "--recipient", "job-42", "--json"];
    const first = await evergateInProcess([...args, "--idempotency-key", "order-42-link"], { env });
    const again = await evergateCli([...args, "--idempotency-key", "order-42-link"], { env });
    const changed = await evergateInProcess(
      [
        "links",
        "create",
        "--product",
        product.id,
        "--recipient",
        "job-43",
        "--idempotency-key",
        "order-42-link",
        "--json",
      ],
      { env },
    );

    // Assess
    expect(first.code, first.stderr).toBe(0);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<{ id: string; url: string }>()).toEqual(first.json());
    expect(changed.code).toBe(5);
    expect(changed.json()).toMatchObject({ error: { status: 422, code: "idempotency_key_reused" } });
    // One link was made, and it is revoked here so this file's small cap has room for the next test
    const revoked = await evergateInProcess(["links", "revoke", first.json<{ id: string }>().id], { env });
    expect(revoked.code).toBe(0);
  });

  it("exit codes: 2 usage, 3 not found, 4 no or bad key, 5 limit reached, 6 unreachable; --json errors on stdout", async () => {
    // Usage: a bad option value, a missing required option, an unknown command
    const badMax = await evergateInProcess(["links", "create", "--product", product.id, "--max", "0"], {
      env,
    });
    expect(badMax.code).toBe(2);
    expect(badMax.stderr).toContain("--max");
    expect((await evergateInProcess(["links", "create"], { env })).code).toBe(2);
    expect((await evergateInProcess(["links", "frobnicate"], { env })).code).toBe(2);
    // The server's validation refusal is a usage error too
    const badProduct = await evergateInProcess(["links", "create", "--product", "not-an-id", "--json"], {
      env,
    });
    expect(badProduct.code).toBe(2);
    expect(badProduct.json()).toMatchObject({ error: { status: 400, code: "invalid_request" } });

    // Not found: a link id that is not the caller's
    const missing = await evergateInProcess(
      ["links", "get", "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg", "--json"],
      { env },
    );
    expect(missing.code, missing.stdout).toBe(3);
    expect(missing.json()).toMatchObject({ error: { status: 404, code: "not_found" } });

    // Auth: no key at all, and a revoked-looking unknown key
    // (as a process: the bin's exit code is the program's)
    expect(
      (await evergateCli(["links", "list"], { env: { EVERGATE_URL: env.EVERGATE_URL as string } })).code,
    ).toBe(4);
    const badKey = await evergateInProcess(["links", "list"], {
      env: { ...env, EVERGATE_API_KEY: "evk_nope" },
    });
    expect(badKey.code).toBe(4);

    // A limit: this stack allows 5 active links per product and owner
    const results = [];
    for (let i = 0; i < 6; i++)
      results.push(await evergateInProcess(["links", "create", "--product", product.id, "--json"], { env }));
    const refused = results.at(-1);
    expect(refused?.code, refused?.stdout).toBe(5);
    expect(refused?.json()).toMatchObject({ error: { status: 409, code: "link_limit_reached" } });

    // Unreachable: nothing listens there (after the bounded retries for a GET)
    const closed = await evergateInProcess(
      ["links", "list", "--url", `http://127.0.0.1:${await freePort()}`],
      { env },
    );
    expect(closed.code).toBe(6);
    expect(closed.stderr).toContain("ECONNREFUSED");
  });
});
