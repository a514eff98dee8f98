import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, runScript, runToEnd, startLocalProcess } from "../support/local-process.ts";

/**
 * "Permanent" must survive the deployment: the token and the table are the contract, not the
 * process, its port, its host name or its dependencies (docs/decisions/019-links-outlive-the-deployment.md).
 * On the local stack a replacement of the distribution or of the whole stack around the retained
 * table is: stop the app, start a fresh one (new process, new SDK clients, other port) on the same
 * data with another PUBLIC_BASE_URL.
 */
const LINKS = 300;
const NEW_BASE = "https://links.example.test";
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "evergate-permanent-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

async function post(url: string, token: string, body: unknown) {
  return fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Follows /l/{token} to S3 and returns the status, and the file's bytes on a 302. */
async function resolveLink(origin: string, token: string) {
  const response = await fetch(`${origin}/l/${token}`, { redirect: "manual" });
  if (response.status !== 302) return { status: response.status };
  const file = await fetch(response.headers.get("location") as string);
  expect(file.status).toBe(200);
  return { status: 302, bytes: Buffer.from(await file.arrayBuffer()).toString("base64") };
}

/** Runs one async job per item, a few at a time. */
async function inBatches<T, R>(items: T[], size: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size)
    results.push(...(await Promise.all(items.slice(i, i + size).map(job))));
  return results;
}

describe("links outlive the deployment", () => {
  it("a link minted before a replacement resolves after it, on another host, port and process", async () => {
    const before = await startLocalProcess({ PORT: String(await freePort()), DATA_DIR: dataDir });
    let after: Awaited<ReturnType<typeof startLocalProcess>> | undefined;
    try {
      const token = (await runToEnd("src/local/print-token.ts", { DATA_DIR: dataDir }, ["user1"]))
        .stdout()
        .trim();
      const products = (await (await fetch(`${before.url}/api/products`)).json()) as {
        items: { id: string }[];
      };
      let productId: string | undefined;
      for (const product of products.items) {
        const probe = await post(`${before.url}/api/links`, token, { productId: product.id, label: "probe" });
        if (probe.status === 201) {
          productId = product.id;
          break;
        }
      }
      expect(productId, "user1 may link to a demo product").toBeDefined();

      const minted = await inBatches(
        Array.from({ length: LINKS }, (_, i) => i),
        20,
        async (i) => {
          const response = await post(`${before.url}/api/links`, token, { productId, label: `link ${i}` });
          expect(response.status).toBe(201);
          return (await response.json()) as { id: string; url: string; token: string };
        },
      );
      const port = new URL(before.url).port;
      expect(minted[0]?.url).toMatch(new RegExp(`^http://(localhost|127\\.0\\.0\\.1):${port}/l/evg_`));
      const revoked = minted[1] as { id: string; token: string };
      const revoke = await fetch(`${before.url}/api/links/${revoked.id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(revoke.status).toBe(200);
      const first = await resolveLink(before.url, minted[0]?.token as string);
      expect(first.status).toBe(302);
      await before.stop();

      // The replacement: new process, new port, links now minted on the custom domain.
      after = await startLocalProcess({
        PORT: String(await freePort()),
        DATA_DIR: dataDir,
        PUBLIC_BASE_URL: NEW_BASE,
      });
      expect(after.url).not.toBe(before.url);
      expect(await resolveLink(after.url, minted[0]?.token as string)).toEqual(first);
      const statuses = await inBatches(
        minted,
        20,
        async (link) => (await fetch(`${after?.url}/l/${link.token}`, { redirect: "manual" })).status,
      );
      const counts: Record<number, number> = {};
      for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
      expect(counts).toEqual({ 302: LINKS - 1, 410: 1 });
      expect((await resolveLink(after.url, revoked.token)).status).toBe(410);

      // The path is the contract: the old URL's path on the new origin is the same link.
      const oldPath = new URL(minted[2]?.url as string).pathname;
      expect((await fetch(`${after.url}${oldPath}`, { redirect: "manual" })).status).toBe(302);

      const newToken = (await runToEnd("src/local/print-token.ts", { DATA_DIR: dataDir }, ["user1"]))
        .stdout()
        .trim();
      const fresh = (await (await post(`${after.url}/api/links`, newToken, { productId })).json()) as {
        url: string;
      };
      expect(fresh.url).toMatch(new RegExp(`^${NEW_BASE}/l/evg_`));
      await after.stop();
    } finally {
      before.kill();
      after?.kill();
    }
  }, 240_000);

  it("the runbook: npm run backup, the stack lost, a new one elsewhere, npm run restore -- --replace: old links work", async () => {
    const oldData = await mkdtemp(join(tmpdir(), "evergate-lost-"));
    const newData = await mkdtemp(join(tmpdir(), "evergate-new-"));
    const backupDir = join(oldData, "..", `${oldData.split("/").pop()}-backup`);
    const old = await startLocalProcess({ PORT: String(await freePort()), DATA_DIR: oldData });
    // The token key moves with the data: tokens carry its tag (ADR 015), so the new stack gets it.
    const tokenKeys = (await readFile(join(oldData, "token-keys"), "utf8")).trim();
    let fresh: Awaited<ReturnType<typeof startLocalProcess>> | undefined;
    try {
      const token = (await runToEnd("src/local/print-token.ts", { DATA_DIR: oldData }, ["user1"]))
        .stdout()
        .trim();
      const products = (await (await fetch(`${old.url}/api/products`)).json()) as { items: { id: string }[] };
      const responses = await Promise.all(
        products.items.map((product) => post(`${old.url}/api/links`, token, { productId: product.id })),
      );
      const minted = await Promise.all(
        responses
          .filter((r) => r.status === 201)
          .map(async (r) => ((await r.json()) as { token: string }).token),
      );
      expect(minted.length).toBeGreaterThanOrEqual(2);
      const bytes = await Promise.all(minted.map((link) => resolveLink(old.url, link)));

      const backup = await runToEnd("scripts/backup.ts", { DATA_DIR: oldData }, [
        "backup",
        backupDir,
        "--local",
      ]);
      expect(backup.output()).toMatch(
        /Backed up evergate \+ s3:\/\/evergate-files to .*: \d+ items, \d+ objects/,
      );
      await old.stop();
      await rm(oldData, { recursive: true, force: true }); // the account, the region, the stack: gone

      fresh = await startLocalProcess({
        PORT: String(await freePort()),
        DATA_DIR: newData,
        TOKEN_KEYS: tokenKeys,
      });
      expect((await fetch(`${fresh.url}/l/${minted[0]}`, { redirect: "manual" })).status).toBe(404);
      const refused = runScript("scripts/backup.ts", { DATA_DIR: newData }, [
        "restore",
        backupDir,
        "--local",
      ]);
      expect(await refused.exited).toBe(1);
      expect(refused.output()).toContain("not empty: restore with --replace");
      const restore = await runToEnd("scripts/backup.ts", { DATA_DIR: newData }, [
        "restore",
        backupDir,
        "--local",
        "--replace",
      ]);
      expect(restore.output()).toMatch(/Restored .* after wiping \d+ items and \d+ objects/);
      for (const [i, link] of minted.entries()) expect(await resolveLink(fresh.url, link)).toEqual(bytes[i]);
      await fresh.stop();
    } finally {
      old.kill();
      fresh?.kill();
      await Promise.all([oldData, newData, backupDir].map((d) => rm(d, { recursive: true, force: true })));
    }
  }, 240_000);
});
