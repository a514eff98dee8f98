import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3StandIn, s3StandInCredentials, startS3StandIn } from "../../src/local/s3-stand-in.ts";

// Each case below failed against unpatched @20minutes/s3rver 4.0.4 (see patches/).
const bucket = "evergate-files";
let directory: string;
let standIn: S3StandIn;
let s3: S3Client;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "evergate-s3-"));
  standIn = await startS3StandIn({ directory, buckets: [{ name: bucket, allowedOrigins: [] }] });
  s3 = new S3Client({
    region: "us-east-1",
    endpoint: standIn.endpoint,
    forcePathStyle: true,
    credentials: s3StandInCredentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
});

afterAll(async () => {
  s3?.destroy();
  await standIn?.stop();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe("bucket-level calls (canonical URI keeps the trailing slash)", () => {
  it("ListObjectsV2 lists what PutObject stored", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "files/list-me.txt", Body: "x" }));

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "files/" }));

    expect(listed.Contents?.map((object) => object.Key)).toContain("files/list-me.txt");
  });

  it("DeleteObjects removes the keys", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "pending/a.txt", Body: "a" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "pending/b.txt", Body: "b" }));

    const deleted = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: "pending/a.txt" }, { Key: "pending/b.txt" }] },
      }),
    );

    expect(deleted.Deleted?.map((object) => object.Key).sort()).toEqual(["pending/a.txt", "pending/b.txt"]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "pending/" }));
    expect(listed.KeyCount).toBe(0);
  });

  it("CreateBucket and HeadBucket succeed", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "evergate-other" }));

    await expect(s3.send(new HeadBucketCommand({ Bucket: "evergate-other" }))).resolves.toBeDefined();
  });
});

describe("presigned URLs", () => {
  const key = "files/report (final).txt";
  const disposition = `attachment; filename="a(b)!'*.txt"`;

  beforeAll(async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: "hello", ContentType: "text/plain" }),
    );
  });

  it("GET with response-content-disposition containing ( ) ! ' * returns 200 and that header", async () => {
    const url = await getSignedUrl(
      s3,
      new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: disposition }),
      { expiresIn: 60 },
    );

    const response = await fetch(url);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe(disposition);
    expect(await response.text()).toBe("hello");
  });

  it("a tampered signature is refused with 403", async () => {
    const url = new URL(await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key })));
    const signature = url.searchParams.get("X-Amz-Signature") ?? "";
    url.searchParams.set("X-Amz-Signature", `${signature.startsWith("0") ? "1" : "0"}${signature.slice(1)}`);

    const response = await fetch(url);

    expect(response.status).toBe(403);
    expect(await response.text()).toContain("SignatureDoesNotMatch");
  });

  it("a changed response-content-disposition is refused with 403", async () => {
    const url = new URL(
      await getSignedUrl(
        s3,
        new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: disposition }),
      ),
    );
    url.searchParams.set("response-content-disposition", "inline");

    expect((await fetch(url)).status).toBe(403);
  });

  it("an expired URL is refused with 403", async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 120_000),
    });

    const response = await fetch(url);

    expect(response.status).toBe(403);
    expect(await response.text()).toContain("Request has expired");
  });

  it("an unsigned request is refused with 403", async () => {
    const response = await fetch(`${standIn.endpoint}/${bucket}/${encodeURIComponent(key)}`);

    expect(response.status).toBe(403);
    expect(await response.text()).toContain("AccessDenied");
  });

  it("a presigned PUT with signed ContentLength and ContentType refuses another body size or type", async () => {
    // The presigner signs content-length by itself but content-type only when asked to.
    const url = await getSignedUrl(
      s3,
      new PutObjectCommand({
        Bucket: bucket,
        Key: "pending/upload.txt",
        ContentLength: 5,
        ContentType: "text/plain",
      }),
      { expiresIn: 60, signableHeaders: new Set(["content-type"]) },
    );
    expect(new URL(url).searchParams.get("X-Amz-SignedHeaders")?.split(";")).toEqual(
      expect.arrayContaining(["content-length", "content-type", "host"]),
    );

    const tooBig = await fetch(url, {
      method: "PUT",
      body: "123456",
      headers: { "content-type": "text/plain" },
    });
    const otherType = await fetch(url, {
      method: "PUT",
      body: "12345",
      headers: { "content-type": "text/html" },
    });
    const exact = await fetch(url, {
      method: "PUT",
      body: "12345",
      headers: { "content-type": "text/plain" },
    });

    expect(tooBig.status).toBe(403);
    expect(otherType.status).toBe(403);
    expect(exact.status).toBe(200);
  });
});

describe("streamed PutObject", () => {
  it("stores a Readable body sent with its ContentLength", async () => {
    const body = Buffer.alloc(200_000, "z");

    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "files/streamed.bin",
        Body: Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]),
        ContentLength: body.length,
      }),
    );

    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "files/streamed.bin" }));
    const bytes = await stored.Body?.transformToByteArray();
    expect(Buffer.from(bytes ?? []).equals(body)).toBe(true);
  });
});
