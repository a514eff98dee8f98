import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createEvergateClient, unwrap } from "../../clients/typescript/src/index.ts";
import { uploadByPlan } from "../../clients/typescript/src/upload.ts";
import { evergateCli, evergateInProcess } from "../support/cli.ts";
import { json, startTestEvergate, type TestEvergate, type TestUser } from "../support/harness.ts";

let evergate: TestEvergate;
let service: TestUser;
let apiKey: string;
let env: Record<string, string>;
let dir: string;

/** `size` random bytes on disk, written 1 MiB at a time (never whole in memory); answers the SHA-256. */
async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const out = createWriteStream(path);
  for (let written = 0; written < size; written += 1024 * 1024) {
    const chunk = randomBytes(Math.min(1024 * 1024, size - written));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return hash.digest("hex");
}

beforeAll(async () => {
  // Multipart from 6 MiB on, 5 MiB parts (S3's minimum), so a 12 MiB file takes three parts.
  evergate = await startTestEvergate({
    configOverrides: {
      FILE_MULTIPART_THRESHOLD_BYTES: String(6 * 1024 * 1024),
      FILE_PART_BYTES: String(5 * 1024 * 1024),
    },
  });
  service = await evergate.newUser("service");
  const created = await evergate.request("POST", "/api/keys", {
    token: service.token,
    json: { name: "cli-services", scopes: ["links:read", "links:write", "files:read", "files:write"] },
  });
  apiKey = (await json<{ key: string }>(created)).key;
  env = { EVERGATE_URL: `http://127.0.0.1:${evergate.port}`, EVERGATE_API_KEY: apiKey };
  dir = await mkdtemp(join(tmpdir(), "evergate-cli-services-"));
});
vi.setConfig({ testTimeout: 180_000 });
afterAll(async () => {
  await evergate?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The bytes a recipient gets through a link: the redirect followed to the stored object. */
async function downloaded(url: string): Promise<string> {
  const answer = await fetch(url, { redirect: "follow" });
  expect(answer.status).toBe(200);
  const hash = createHash("sha256");
  for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest("hex");
}

describe("evergate files", () => {
  it("upload (multipart: 12 MiB in three 5 MiB-or-less parts) → get → list → delete; a recipient gets the same bytes through a file link", async () => {
    // Prepare
    const path = join(dir, "course.mp4");
    const size = 12 * 1024 * 1024;
    const sha256 = await randomFile(path, size);

    // Act
    const upload = await evergateInProcess(["files", "upload", path, "--json"], { env });

    // Assess: a ready file of the exact size, progress on stderr up to the whole size
    expect(upload.code, upload.stderr).toBe(0);
    const file = upload.json<{
      id: string;
      status: string;
      size: number;
      contentType: string;
      filename: string;
    }>();
    expect(file).toMatchObject({ status: "ready", size, contentType: "video/mp4", filename: "course.mp4" });
    expect(upload.stderr).toContain("100%  12.6 / 12.6 MB");
    const got = await evergateInProcess(["files", "get", file.id, "--json"], { env });
    expect(got.json()).toEqual(file);
    const listed = await evergateInProcess(["files", "list"], { env });
    expect(listed.stdout).toContain(`${file.id}  ready`);
    const link = await evergateInProcess(["links", "create", "--file", file.id, "--json"], { env });
    expect(link.code, link.stderr).toBe(0);
    expect(await downloaded(link.json<{ url: string }>().url)).toBe(sha256);

    // Delete: the file is gone (exit 3 after), its link stops
    const deleted = await evergateInProcess(["files", "delete", file.id], { env });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await evergateInProcess(["files", "get", file.id], { env })).code).toBe(3);
    await evergate.linkJobsSettled();
    expect((await fetch(link.json<{ url: string }>().url, { redirect: "manual" })).status).toBe(410);
  });

  it("--no-progress prints no bar; a missing or empty path is exit 2 before anything is created; a stranger's file id is exit 3", async () => {
    const small = join(dir, "notes.txt");
    await writeFile(small, "hello, services\n");
    const quiet = await evergateInProcess(["files", "upload", small, "--no-progress"], { env });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout.trim()).toMatch(/^evf_/);
    expect(quiet.stderr).toBe("");

    const before = (await evergateInProcess(["files", "list", "--json"], { env })).json<{
      items: unknown[];
    }>();
    expect((await evergateInProcess(["files", "upload", join(dir, "absent.bin")], { env })).code).toBe(2);
    await writeFile(join(dir, "empty.bin"), "");
    expect((await evergateInProcess(["files", "upload", join(dir, "empty.bin")], { env })).code).toBe(2);
    const after = (await evergateInProcess(["files", "list", "--json"], { env })).json<{
      items: unknown[];
    }>();
    expect(after.items).toHaveLength(before.items.length);

    const stranger = await evergate.newUser("stranger");
    const theirs = await evergateInProcess(["files", "upload", small, "--json"], {
      env: { ...env, EVERGATE_API_KEY: stranger.token },
    });
    expect(theirs.code, theirs.stderr).toBe(0);
    const id = theirs.json<{ id: string }>().id;
    expect((await evergateInProcess(["files", "get", id], { env })).code).toBe(3);
    expect((await evergateInProcess(["files", "delete", id], { env })).code).toBe(3);
  });
});

describe("issue 17, done when: a service with only an API key", () => {
  it("uploads 50 MB through the CLI (progress on stderr), mints 100 links in one bulk call, finds one by externalId, retries a POST with the same Idempotency-Key, revokes by tag in one call; a recipient downloads the same bytes", async () => {
    // Prepare
    const path = join(dir, "lecture.bin");
    const size = 50 * 1000 * 1000;
    const sha256 = await randomFile(path, size);

    // Act 1: the upload, as a service's script runs it (a process; stderr is not a terminal)
    const upload = await evergateCli(["files", "upload", path], { env });
    expect(upload.code, upload.stderr).toBe(0);
    const fileId = upload.stdout.trim();
    expect(fileId).toMatch(/^evf_/);
    const progressLines = upload.stderr.trim().split("\n");
    expect(progressLines.length).toBeGreaterThanOrEqual(2);
    expect(progressLines.at(-1)).toContain("100%  50.0 / 50.0 MB");

    // Act 2: 100 links in one bulk call, read from stdin as JSON Lines
    const lines = Array.from({ length: 100 }, (_, i) =>
      JSON.stringify({
        fileId,
        tags: ["spring-cohort"],
        externalId: `order-${i}`,
        recipient: `buyer-${i}@example.com`,
      }),
    );
    const bulk = await evergateInProcess(["links", "bulk", "-", "--json"], { env, stdin: lines.join("\n") });
    expect(bulk.code, bulk.stderr).toBe(0);
    const result = bulk.json<{
      created: number;
      failed: number;
      items: Array<{ status: number; link: { id: string; url: string } }>;
    }>();
    expect(result).toMatchObject({ created: 100, failed: 0 });

    // Act 3: one found by its externalId
    const found = await evergateInProcess(["links", "list", "--external-id", "order-42", "--json"], { env });
    const items = found.json<{ items: Array<{ id: string; recipient: string; tags: string[] }> }>().items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      id: result.items[42]?.link.id,
      recipient: "buyer-42@example.com",
      tags: ["spring-cohort"],
    });

    // Act 4: a POST retried with the same Idempotency-Key answers the same link, made once
    const args = [
      "links",
      "create",
      "--file",
      fileId,
      "--tag",
      "spring-cohort",
      "--external-id",
      "retry-1",
      "--idempotency-key",
      "job-17-retry-1",
      "--json",
    ];
    const first = await evergateInProcess(args, { env });
    const again = await evergateInProcess(args, { env });
    expect(first.code, first.stderr).toBe(0);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<{ id: string; token: string }>()).toEqual(first.json());
    const tagged = await evergateInProcess(["links", "list", "--tag", "spring-cohort", "--all", "--json"], {
      env,
    });
    expect(tagged.json<{ items: unknown[] }>().items).toHaveLength(101);

    // Act 5: a recipient downloads through a file link (the redirect followed): the same bytes
    const url = result.items[7]?.link.url as string;
    expect(await downloaded(url)).toBe(sha256);

    // Act 6: every link with the tag revoked in one call (202), then answered 410
    const revoke = await evergateInProcess(["links", "revoke", "--tag", "spring-cohort", "--json"], { env });
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.json()).toMatchObject({ state: "accepted", filter: { tag: "spring-cohort" } });
    await evergate.linkJobsSettled();
    const urls = [...result.items.map((item) => item.link.url), first.json<{ url: string }>().url];
    const statuses = await Promise.all(
      urls.map(async (link) => (await fetch(link, { redirect: "manual" })).status),
    );
    expect(statuses).toEqual(urls.map(() => 410));
    const active = await evergateInProcess(
      ["links", "list", "--tag", "spring-cohort", "--status", "active", "--json"],
      { env },
    );
    expect(active.json<{ items: unknown[] }>().items).toEqual([]);
  });
});

describe("evergate links bulk / revoke / create: refusals", () => {
  it("bulk reports each item and exits 5 if any failed; a bad line is exit 2 before any call; revoke takes ids or a filter, not both", async () => {
    const small = join(dir, "refusals.txt");
    await writeFile(small, "refusals\n");
    const fileId = (
      await evergateInProcess(["files", "upload", small, "--no-progress"], { env })
    ).stdout.trim();
    const jsonl = join(dir, "links.jsonl");
    await writeFile(
      jsonl,
      `${JSON.stringify({ fileId, externalId: "dup-1" })}\n\n${JSON.stringify({ fileId, externalId: "dup-1" })}\n${JSON.stringify({ fileId: "evf_0000000000000000000000000000000000" })}\n`,
    );
    const bulk = await evergateInProcess(["links", "bulk", jsonl], { env });
    expect(bulk.code).toBe(5);
    expect(bulk.stdout).toMatch(/^0 {2}201 {2}http/m);
    expect(bulk.stdout).toMatch(/^1 {2}409 {2}external_id_taken/m);
    expect(bulk.stdout).toMatch(/^2 {2}404 /m);
    expect(bulk.stdout).toContain("1 created, 2 failed");

    const before = (await evergateInProcess(["links", "list", "--file", fileId, "--json"], { env })).json<{
      items: unknown[];
    }>();
    await writeFile(jsonl, `${JSON.stringify({ fileId })}\n{not json\n`);
    const bad = await evergateInProcess(["links", "bulk", jsonl], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Line 2 is not JSON");
    expect((await evergateInProcess(["links", "bulk", join(dir, "absent.jsonl")], { env })).code).toBe(2);
    const after = (await evergateInProcess(["links", "list", "--file", fileId, "--json"], { env })).json<{
      items: unknown[];
    }>();
    expect(after.items).toHaveLength(before.items.length);

    const tooMany = Array.from({ length: 101 }, () => JSON.stringify({ fileId })).join("\n");
    const refused = await evergateInProcess(["links", "bulk", "-"], { env, stdin: tooMany });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("too_many_items");

    expect((await evergateInProcess(["links", "revoke", "some-id", "--tag", "x"], { env })).code).toBe(2);
    expect((await evergateInProcess(["links", "revoke"], { env })).code).toBe(2);
    expect(
      (await evergateInProcess(["links", "create", "--file", fileId, "--product", "p"], { env })).code,
    ).toBe(2);
    expect((await evergateInProcess(["links", "create"], { env })).code).toBe(2);
  });
});

describe("the client's multipart upload", () => {
  it("takes the server's multipart plan (13 MiB: 5 + 5 + 3 MiB parts), sends every part with progress to the exact size, and completes with the ETags", async () => {
    const path = join(dir, "parts.bin");
    const size = 13 * 1024 * 1024;
    await randomFile(path, size);
    const client = createEvergateClient({ baseUrl: env.EVERGATE_URL as string, apiKey });
    const created = unwrap(
      await client.POST("/api/files", {
        body: { filename: "parts.bin", contentType: "application/octet-stream", size },
      }),
    );
    expect(created.upload.kind).toBe("multipart");
    if (created.upload.kind !== "multipart") return;
    expect(created.upload.parts.map((part) => part.size)).toEqual([
      5 * 1024 * 1024,
      5 * 1024 * 1024,
      3 * 1024 * 1024,
    ]);
    const progress: number[] = [];

    const { parts } = await uploadByPlan(created.upload, path, {
      onProgress: (sent) => progress.push(sent),
      concurrency: 2,
    });
    const file = unwrap(
      await client.POST("/api/files/{id}/complete", {
        params: { path: { id: created.file.id } },
        body: { parts },
      }),
    );

    expect(parts?.map((part) => part.partNumber)).toEqual([1, 2, 3]);
    expect(progress.at(-1)).toBe(size);
    expect(Math.max(...progress)).toBe(size);
    expect(file).toMatchObject({ status: "ready", size });
  });
});
