import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
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

describe("multipart uploads through presigned UploadPart URLs (as ADR 026 issues them)", () => {
  const MiB = 1024 * 1024;
  const start = async (Key: string) => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key, ContentType: "video/mp4" }),
    );
    if (!UploadId) throw new Error("no UploadId");
    const partUrl = (PartNumber: number, ContentLength: number, uploadId = UploadId) =>
      getSignedUrl(
        s3,
        new UploadPartCommand({ Bucket: bucket, Key, UploadId: uploadId, PartNumber, ContentLength }),
        {
          expiresIn: 60,
          signableHeaders: new Set(["content-length"]),
        },
      );
    const put = async (PartNumber: number, body: Buffer) => {
      const response = await fetch(await partUrl(PartNumber, body.length), {
        method: "PUT",
        body: new Uint8Array(body),
      });
      expect(response.status).toBe(200);
      return { PartNumber, ETag: response.headers.get("etag") ?? "" };
    };
    const complete = (Parts: Array<{ PartNumber: number; ETag: string }>, uploadId = UploadId) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key,
          UploadId: uploadId,
          MultipartUpload: { Parts },
        }),
      );
    return { UploadId, partUrl, put, complete };
  };
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => "completed",
      (error: Error) => error.name,
    );

  it("assembles the parts in order, with the type CreateMultipartUpload set; a part of another size is refused", async () => {
    const Key = "files/multipart-ok";
    const upload = await start(Key);
    const bodies = [Buffer.alloc(5 * MiB, 1), Buffer.alloc(5 * MiB, 2), Buffer.alloc(1000, 3)];
    const wrongSize = await fetch(await upload.partUrl(1, 5 * MiB), {
      method: "PUT",
      body: Buffer.alloc(100),
    });
    expect(wrongSize.status).toBe(403);
    const parts = [await upload.put(3, bodies[2] as Buffer), await upload.put(1, bodies[0] as Buffer)];
    parts.splice(1, 0, await upload.put(2, bodies[1] as Buffer));

    await upload.complete(parts.sort((a, b) => a.PartNumber - b.PartNumber));

    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
    expect(stored.ContentType).toBe("video/mp4");
    expect(Buffer.from((await stored.Body?.transformToByteArray()) ?? []).equals(Buffer.concat(bodies))).toBe(
      true,
    );
  });

  it("refuses a wrong ETag, parts out of order, a small part before the last, an unknown or aborted upload", async () => {
    const upload = await start("files/multipart-refused");
    const one = await upload.put(1, Buffer.alloc(5 * MiB, 1));
    const two = await upload.put(2, Buffer.alloc(1 * MiB, 2));
    const three = await upload.put(3, Buffer.alloc(10, 3));

    expect(await refusal(upload.complete([{ ...one, ETag: '"0123456789abcdef0123456789abcdef"' }]))).toBe(
      "InvalidPart",
    );
    expect(await refusal(upload.complete([one, { PartNumber: 4, ETag: one.ETag }]))).toBe("InvalidPart");
    expect(await refusal(upload.complete([two, one]))).toBe("InvalidPartOrder");
    expect(await refusal(upload.complete([one, two, three]))).toBe("EntityTooSmall");
    expect(await refusal(upload.complete([one], "0123456789abcdef0123456789abcdef"))).toBe("NoSuchUpload");
    const strayPart = await fetch(await upload.partUrl(1, 10, "0123456789abcdef0123456789abcdef"), {
      method: "PUT",
      body: Buffer.alloc(10),
    });
    expect(strayPart.status).toBe(404);

    await s3.send(
      new AbortMultipartUploadCommand({
        Bucket: bucket,
        Key: "files/multipart-refused",
        UploadId: upload.UploadId,
      }),
    );

    expect(await refusal(upload.complete([one, two]))).toBe("NoSuchUpload");
    const afterAbort = await fetch(await upload.partUrl(1, 10), { method: "PUT", body: Buffer.alloc(10) });
    expect(afterAbort.status).toBe(404);
    expect(
      await refusal(
        s3.send(
          new AbortMultipartUploadCommand({
            Bucket: bucket,
            Key: "files/multipart-refused",
            UploadId: upload.UploadId,
          }),
        ),
      ),
    ).toBe("NoSuchUpload");
  });
});

describe("a request signed for another region than the bucket's (as S3 answers at a regional endpoint)", () => {
  const elsewhere = () =>
    new S3Client({
      region: "eu-north-1",
      endpoint: standIn.endpoint,
      forcePathStyle: true,
      credentials: s3StandInCredentials,
      requestChecksumCalculation: "WHEN_REQUIRED",
      maxAttempts: 1,
    });

  it("a signed call gets 400 AuthorizationHeaderMalformed naming the region S3 expected", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "files/region.txt", Body: "r" }));
    const client = elsewhere();
    const reading = client.send(new GetObjectCommand({ Bucket: bucket, Key: "files/region.txt" }));
    await expect(reading).rejects.toMatchObject({
      name: "AuthorizationHeaderMalformed",
      Region: "us-east-1",
      $metadata: { httpStatusCode: 400 },
    });
    client.destroy();
  });

  it("a HEAD gets a bodiless 400 with the bucket's region in x-amz-bucket-region", async () => {
    const client = elsewhere();
    const heading = client.send(new HeadBucketCommand({ Bucket: bucket }));
    await expect(heading).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    const error = (await heading.catch((caught: unknown) => caught)) as {
      $response?: { headers: Record<string, string> };
    };
    expect(error.$response?.headers["x-amz-bucket-region"]).toBe("us-east-1");
    client.destroy();
  });

  it("a presigned URL for another region gets 400 AuthorizationQueryParametersError, the file stays unserved", async () => {
    const url = await getSignedUrl(
      elsewhere(),
      new GetObjectCommand({ Bucket: bucket, Key: "files/region.txt" }),
      {
        expiresIn: 60,
      },
    );
    const response = await fetch(url);
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toContain("<Code>AuthorizationQueryParametersError</Code>");
    expect(body).toContain("<Region>us-east-1</Region>");
    expect(body).not.toContain(">r<");
  });

  it("the right region still works (the stand-in's own)", async () => {
    const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "files/region.txt" }));
    expect(await read.Body?.transformToString()).toBe("r");
  });
});
