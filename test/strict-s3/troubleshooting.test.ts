import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3FileStorage } from "#src/storage/s3-files.ts";
import { startTestEvergate, type TestEvergate, type TestProduct, type TestUser } from "../support/harness.ts";
import { strictS3FromEnv } from "../support/strict-s3.ts";

/**
 * docs/troubleshooting.md, reproduced: each S3 error the guide describes that Ceph RGW can
 * produce, produced the way it happens to Evergate (a URL Evergate presigned, followed as a
 * browser or curl would), with the code S3 answers. Runs under `npm run test:strict`.
 */
const strict = strictS3FromEnv();
if (!strict) console.warn("test/strict-s3/troubleshooting.test.ts skipped: STRICT_S3_ENDPOINT is unset");

let evergate: TestEvergate;
let author: TestUser;
let product: TestProduct;
let objectKey: string;

/** S3's XML error code, e.g. <Code>AccessDenied</Code>. */
async function s3ErrorOf(response: Response): Promise<{ status: number; code?: string; message?: string }> {
  const body = await response.text();
  return {
    status: response.status,
    code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1],
    message: /<Message>([^<]*)<\/Message>/.exec(body)?.[1],
  };
}

/** A presigner like the app's, for the same bucket, with other credentials. */
function presignerWith(credentials: { accessKeyId: string; secretAccessKey: string }) {
  return s3FileStorage({
    bucket: evergate.config.FILES_BUCKET,
    region: evergate.config.AWS_REGION,
    endpoint: evergate.config.S3_ENDPOINT,
    forcePathStyle: true,
    credentials: async () => credentials,
    maxAttempts: 1,
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

beforeAll(async () => {
  if (!strict) return;
  evergate = await startTestEvergate();
  author = await evergate.newUser("author");
  product = await evergate.createProduct(author);
  const link = await evergate.request("POST", "/api/links", {
    token: author.token,
    json: { productId: product.id },
  });
  const { token } = (await link.json()) as { token: string };
  const redirect = await evergate.request("GET", `/l/${token}`);
  expect(redirect.status).toBe(302);
  const location = new URL(redirect.headers.get("location") as string);
  objectKey = decodeURIComponent(location.pathname.split("/").slice(2).join("/"));
  expect(objectKey).toMatch(/^files\//);
});
afterAll(() => evergate?.stop());

describe.skipIf(!strict)("troubleshooting, reproduced against Ceph RGW", () => {
  it("AccessDenied: the object fetched without a signature (or a link to it stripped of its query)", async () => {
    const url = `${evergate.config.S3_ENDPOINT}/${evergate.config.FILES_BUCKET}/${objectKey}`;
    expect(await s3ErrorOf(await fetch(url))).toMatchObject({ status: 403, code: "AccessDenied" });
  });

  it("SignatureDoesNotMatch: signed with the wrong secret (credentials of another account or rotated)", async () => {
    const wrong = presignerWith({
      accessKeyId: strict?.credentials.accessKeyId ?? "",
      secretAccessKey: "not-the-secret",
    });
    const url = await wrong.presignGet(objectKey, { expiresInSeconds: 60, cacheControl: "no-store" });
    expect(await s3ErrorOf(await fetch(url))).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("SignatureDoesNotMatch: a presigned PUT sent with another Content-Type than the one signed", async () => {
    const { url } = await evergate.deps.files.presignPut("pending/troubleshooting-type", {
      contentType: "text/plain",
      size: 5,
      expiresInSeconds: 60,
    });
    const put = await fetch(url, { method: "PUT", headers: { "content-type": "image/png" }, body: "hello" });
    expect(await s3ErrorOf(put)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("InvalidAccessKeyId: signed with a key S3 does not know (an unknown or deleted access key)", async () => {
    const unknown = presignerWith({ accessKeyId: "AKIAEVERGATEUNKNOWN1", secretAccessKey: "whatever" });
    const url = await unknown.presignGet(objectKey, { expiresInSeconds: 60, cacheControl: "no-store" });
    expect(await s3ErrorOf(await fetch(url))).toMatchObject({ status: 403, code: "InvalidAccessKeyId" });
  });

  it("Request has expired: a URL followed after its X-Amz-Expires (a bookmarked or mailed S3 URL)", async () => {
    const url = await evergate.deps.files.presignGet(objectKey, {
      expiresInSeconds: 60,
      cacheControl: "no-store",
      signedAt: new Date(Date.now() - 120_000),
    });
    const error = await s3ErrorOf(await fetch(url));
    // AWS: 403 AccessDenied "Request has expired"; RGW answers the same status and code.
    expect(error).toMatchObject({ status: 403, code: "AccessDenied" });
  });

  it("NoSuchKey: a signed URL to an object that is gone (product deleted, or key never written)", async () => {
    const url = await evergate.deps.files.presignGet("files/troubleshooting-never-written", {
      expiresInSeconds: 60,
      cacheControl: "no-store",
    });
    expect(await s3ErrorOf(await fetch(url))).toMatchObject({ status: 404, code: "NoSuchKey" });
  });

  it("a presigned PUT with more bytes than signed is refused (Content-Length is signed)", async () => {
    const { url, headers } = await evergate.deps.files.presignPut("pending/troubleshooting-size", {
      contentType: "text/plain",
      size: 5,
      expiresInSeconds: 60,
    });
    const put = await fetch(url, { method: "PUT", headers, body: "hello, more than five" });
    const error = await s3ErrorOf(put);
    expect(error.status).toBe(403);
    expect(error.code).toBe("SignatureDoesNotMatch");
  });
});
