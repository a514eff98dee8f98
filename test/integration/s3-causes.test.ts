import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageRefusedError } from "#src/domain/storage-causes.ts";
import { s3StandInCredentials } from "#src/local/s3-stand-in.ts";
import { s3FileStorage } from "#src/storage/s3-files.ts";
import { startTestEvergate, type TestEvergate, type TestProduct, type TestUser } from "../support/harness.ts";
import { strictS3FromEnv } from "../support/strict-s3.ts";

/**
 * S3 refusals of the app's own calls that Evergate names (docs/troubleshooting.md), produced by
 * the embedded S3 stand-in through the SDK: the cause on the error that becomes the log line and
 * the problem's detail (src/http/errors.ts).
 */
let evergate: TestEvergate;
let author: TestUser;
let product: TestProduct;
beforeAll(async () => {
  evergate = await startTestEvergate();
  author = await evergate.newUser("causes");
  product = await evergate.createProduct(author, { filename: "kept.txt" });
});
afterAll(() => evergate?.stop());

describe("S3 refusals named by cause, against the stand-in", () => {
  it("NoSuchKey: reading a file that is gone is object_missing, a HEAD of it just 'not there'", async () => {
    const key = "files/gone-from-the-bucket";
    const reading = evergate.deps.files.readStart(key, 8);
    await expect(reading).rejects.toBeInstanceOf(StorageRefusedError);
    await expect(reading).rejects.toMatchObject({ storageCause: "object_missing", s3Code: "NoSuchKey" });
    expect(await evergate.deps.files.head(key)).toBeNull();
  });

  it("a HEAD refused with 403 (no body: AccessDenied or a bad signature) is access_denied", async () => {
    const listed = await evergate.request("GET", `/api/products/${product.id}`, { token: author.token });
    expect(listed.status).toBe(200);
    const other = s3FileStorage({
      bucket: evergate.config.FILES_BUCKET,
      region: evergate.config.AWS_REGION,
      endpoint: evergate.config.S3_ENDPOINT,
      forcePathStyle: true,
      credentials: async () => ({ accessKeyId: "S3RVER", secretAccessKey: "not-the-secret" }),
      maxAttempts: 1,
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    const heading = other.head("files/anything");
    await expect(heading).rejects.toMatchObject({ storageCause: "access_denied", s3Code: "HTTP 403" });
  });

  // RGW (the strict tier) has one zonegroup and takes any signing region: this is the stand-in's
  // S3 behaviour (ADR 001), proven there only.
  it.skipIf(strictS3FromEnv() !== undefined)(
    "a call signed for another region than the bucket's is wrong_region, the HEAD's bodiless 400 too",
    async () => {
      // The stand-in's bucket is in us-east-1 (src/local/s3-stand-in.ts), as a real bucket is in one
      const elsewhere = s3FileStorage({
        bucket: evergate.config.FILES_BUCKET,
        region: "eu-north-1",
        endpoint: evergate.config.S3_ENDPOINT,
        forcePathStyle: true,
        credentials: async () => s3StandInCredentials,
        maxAttempts: 1,
        responseChecksumValidation: "WHEN_REQUIRED",
      });
      // The region is checked before the key is looked up, as S3 does
      const key = "files/anything-in-the-bucket";
      await expect(elsewhere.readStart(key, 8)).rejects.toMatchObject({
        storageCause: "wrong_region",
        s3Code: "AuthorizationHeaderMalformed",
      });
      await expect(elsewhere.head(key)).rejects.toMatchObject({
        storageCause: "wrong_region",
        s3Code: "HTTP 400",
      });
      // The app itself, signing for the bucket's region, is answered: the key is just not there
      expect(await evergate.deps.files.head(key)).toBeNull();
    },
  );
});
