import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvergateClient, unwrap } from "../../clients/typescript/src/index.ts";
import { putFileRange, UploadError, uploadByPlan } from "../../clients/typescript/src/upload.ts";
import { startTestEvergate, type TestEvergate, type TestUser, testPng } from "../support/harness.ts";

const size = 50 * 1024 * 1024;
let evergate: TestEvergate;
let seller: TestUser;
let dir: string;
let path: string;
let sha256: string;

/** 50 MiB of random bytes on disk, written in 1 MiB pieces (never whole in memory). */
async function bigFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  const out = createWriteStream(file);
  for (let written = 0; written < size; written += 1024 * 1024) {
    const chunk = randomBytes(1024 * 1024);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return hash.digest("hex");
}

beforeAll(async () => {
  evergate = await startTestEvergate();
  seller = await evergate.newUser("uploader");
  dir = await mkdtemp(join(tmpdir(), "evergate-upload-"));
  path = join(dir, "lecture.bin");
  sha256 = await bigFile(path);
});
afterAll(async () => {
  await evergate?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the client's upload to a presigned PUT", () => {
  it("streams 50 MiB from disk with an exact Content-Length, reporting progress up to the whole size; the stored bytes are the file's", async () => {
    // Prepare: a presigned PUT pinned to the size and type (the upload mechanism the server has today)
    const client = createEvergateClient({
      baseUrl: `http://127.0.0.1:${evergate.port}`,
      apiKey: seller.token,
    });
    const ticket = unwrap(
      await client.POST("/api/uploads", {
        body: { kind: "deliverable", contentType: "application/octet-stream", size, filename: "lecture.bin" },
      }),
    );
    const progress: number[] = [];

    // Act
    await uploadByPlan({ kind: "single", method: "PUT", url: ticket.url, headers: ticket.headers }, path, {
      onProgress: (sent) => progress.push(sent),
    });

    // Assess: progress rose to exactly the size, many times along the way
    expect(progress.at(-1)).toBe(size);
    expect(progress.length).toBeGreaterThan(50);
    expect(progress.every((sent, index) => index === 0 || sent >= (progress[index - 1] as number))).toBe(
      true,
    );
    // ... and what S3 holds is the file: make it a product's deliverable and download it
    const image = unwrap(
      await client.POST("/api/uploads", {
        body: { kind: "promoImage", contentType: "image/png", size: testPng.length, filename: "promo.png" },
      }),
    );
    await fetch(image.url, { method: "PUT", headers: image.headers, body: Buffer.from(testPng) });
    const product = unwrap(
      await client.POST("/api/products", {
        body: {
          title: "Fifty megabytes",
          description: "A lecture.",
          price: { amount: 100, currency: "EUR" },
          imageUploadId: image.uploadId,
          deliverableUploadId: ticket.uploadId,
        },
      }),
    );
    const download = await fetch(`http://127.0.0.1:${evergate.port}/api/products/${product.id}/download`, {
      headers: { authorization: `Bearer ${seller.token}` },
    });
    expect(download.status).toBe(200);
    const stored = createHash("sha256")
      .update(new Uint8Array(await download.arrayBuffer()))
      .digest("hex");
    expect(stored).toBe(sha256);
  }, 180_000);

  it("a refused PUT (a signature pinned to another size) is an UploadError with S3's code, not retried", async () => {
    const client = createEvergateClient({
      baseUrl: `http://127.0.0.1:${evergate.port}`,
      apiKey: seller.token,
    });
    const ticket = unwrap(
      await client.POST("/api/uploads", {
        body: {
          kind: "deliverable",
          contentType: "application/octet-stream",
          size: 1000,
          filename: "small.bin",
        },
      }),
    );
    const progress: number[] = [];
    const failure = await putFileRange(ticket, { path, start: 0, length: 2000 }, (delta) =>
      progress.push(delta),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UploadError);
    expect((failure as UploadError).status).toBe(403);
    // What was counted as sent is taken back: a progress bar does not stay at the failed bytes
    expect(progress.reduce((sum, delta) => sum + delta, 0)).toBe(0);
  });
});
