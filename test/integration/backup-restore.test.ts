import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BackupTarget,
  backupTarget,
  backupTo,
  isEmpty,
  restoreFrom,
  wipe,
} from "#src/storage/backup.ts";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";
import { strictS3FromEnv } from "../support/strict-s3.ts";

/**
 * The restore runbook (infra/README.md, "Backup and restore"), end to end on the local stack:
 * export the table and the bucket, wipe both, restore, and the old links work. At scale: a
 * thousand links, with revoked and used-up ones that must stay so.
 */
const LINKS = 1000;
let evergate: TestEvergate;
let target: BackupTarget;
let author: TestUser;
let buyer: TestUser;
let product: TestProduct;
let links: { id: string; token: string }[];
let usedUp: string;
let revoked: string;
let dir: string;

async function mintLink(fields: Record<string, unknown> = {}) {
  const response = await evergate.request("POST", "/api/links", {
    token: author.token,
    json: { productId: product.id, ...fields },
  });
  expect(response.status).toBe(201);
  return json<{ id: string; token: string }>(response);
}

async function statusesOf(tokens: string[]): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (let i = 0; i < tokens.length; i += 25) {
    const statuses = await Promise.all(
      tokens.slice(i, i + 25).map(async (token) => (await evergate.request("GET", `/l/${token}`)).status),
    );
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

async function downloadOf(token: string): Promise<Uint8Array> {
  const redirect = await evergate.request("GET", `/l/${token}`);
  expect(redirect.status).toBe(302);
  const file = await fetch(redirect.headers.get("location") as string);
  expect(file.status).toBe(200);
  return new Uint8Array(await file.arrayBuffer());
}

beforeAll(async () => {
  // More links on one product than the per-owner cap allows by default: a backup must hold them all.
  evergate = await startTestEvergate({ configOverrides: { MAX_ACTIVE_LINKS_PER_PRODUCT: "5000" } });
  const strict = strictS3FromEnv();
  const tables = backupTarget(evergate.config, evergate.stack.credentials);
  const files = backupTarget(evergate.config, strict?.credentials ?? evergate.stack.credentials);
  target = { dynamo: tables.dynamo, tableName: tables.tableName, s3: files.s3, bucket: files.bucket };
  [author, buyer] = await Promise.all([evergate.newUser("author"), evergate.newUser("buyer")]);
  product = await evergate.createProduct(author, { filename: "Handbook.txt" });
  const order = await evergate.request("POST", `/api/products/${product.id}/orders`, { token: buyer.token });
  expect(order.status).toBe(201);
  links = [];
  for (let i = 0; i < LINKS; i += 25) {
    links.push(...(await Promise.all(Array.from({ length: Math.min(25, LINKS - i) }, () => mintLink()))));
  }
  // A one-time link spent (a POST spends it; no grace, so a later hit is 410 whoever asks).
  usedUp = (await mintLink({ maxDownloads: 1, graceSeconds: 0 })).token;
  expect((await evergate.request("POST", `/l/${usedUp}`)).status).toBe(303);
  expect((await evergate.request("GET", `/l/${usedUp}`)).status).toBe(410);
  const toRevoke = await mintLink();
  expect(
    (await evergate.request("DELETE", `/api/links/${toRevoke.id}`, { token: author.token })).status,
  ).toBe(200);
  revoked = toRevoke.token;
  dir = await mkdtemp(join(tmpdir(), "evergate-backup-"));
}, 180_000);

afterAll(async () => {
  target?.dynamo.destroy();
  target?.s3.destroy();
  await evergate?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function settled() {
  await evergate.linkJobsSettled();
  await evergate.streamConsumer.idle();
}

describe("backup, wipe, restore", () => {
  it("exports every item and object, a wipe breaks every link, the restore brings all of them back", async () => {
    const before = await downloadOf(links[0]?.token as string);
    expect(Buffer.from(before)).toEqual(Buffer.from(product.deliverableBytes));
    // The access log and link jobs write off the request path: a backup of a table still being
    // written would not match the wipe's count.
    await settled();

    const counts = await backupTo(target, dir);
    expect(counts.items).toBeGreaterThan(LINKS);
    expect(counts.objects).toBe(2); // the promo image and the deliverable
    expect(await readdir(join(dir, "objects"))).toHaveLength(2);

    const wiped = await wipe(target);
    expect(wiped).toMatchObject({ items: counts.items, objects: counts.objects });
    expect(await isEmpty(target)).toBe(true);
    expect(await statusesOf(links.slice(0, 50).map((link) => link.token))).toEqual({ 404: 50 });

    expect(await restoreFrom(target, dir)).toMatchObject(counts);
    expect(await statusesOf(links.map((link) => link.token))).toEqual({ 302: LINKS });
    expect(await statusesOf([usedUp, revoked])).toEqual({ 410: 2 });
    expect(Buffer.from(await downloadOf(links[1]?.token as string))).toEqual(Buffer.from(before));

    // The shop around the links is back too: the buyer's order, the product's image.
    const orders = await json<{ items: { productId: string }[] }>(
      await evergate.request("GET", "/api/me/orders", { token: buyer.token }),
    );
    expect(orders.items.map((item) => item.productId)).toEqual([product.id]);
    const image = await evergate.request("GET", `/api/products/${product.id}/image`);
    expect(image.status).toBe(302);
    const png = await fetch(image.headers.get("location") as string);
    expect(png.headers.get("content-type")).toBe("image/png");
  }, 180_000);

  it("refuses to restore over data unless told to replace it, and then replaces it", async () => {
    const extra = await mintLink();
    await settled();
    await expect(restoreFrom(target, dir)).rejects.toThrow(/not empty: restore with --replace/);
    expect((await evergate.request("GET", `/l/${extra.token}`)).status).toBe(302);

    const result = await restoreFrom(target, dir, { replace: true });
    expect(result.wiped?.items).toBeGreaterThan(LINKS);
    expect((await evergate.request("GET", `/l/${extra.token}`)).status).toBe(404);
    expect((await evergate.request("GET", `/l/${links[2]?.token}`)).status).toBe(302);
  }, 120_000);

  it("refuses a damaged or unfinished backup before changing anything", async () => {
    const damaged = await mkdtemp(join(tmpdir(), "evergate-backup-damaged-"));
    try {
      await settled();
      await backupTo(target, damaged);
      const [file] = await readdir(join(damaged, "objects"));
      const path = join(damaged, "objects", file as string);
      const bytes = await readFile(path);
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
      await writeFile(path, bytes);
      await expect(restoreFrom(target, damaged, { replace: true })).rejects.toThrow(/missing or damaged/);
      expect((await evergate.request("GET", `/l/${links[3]?.token}`)).status).toBe(302);

      await rm(join(damaged, "manifest.json"));
      await expect(restoreFrom(target, damaged, { replace: true })).rejects.toThrow(/no complete backup/);
      expect((await evergate.request("GET", `/l/${links[3]?.token}`)).status).toBe(302);
    } finally {
      await rm(damaged, { recursive: true, force: true });
    }
  }, 120_000);
});
