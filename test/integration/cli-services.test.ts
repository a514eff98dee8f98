import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { evergateInProcess } from "../support/cli.ts";
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
