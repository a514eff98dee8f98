import { S3ServiceException } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { StorageRefusedError } from "#src/domain/storage-causes.ts";
import { callDependency } from "./dependency-errors.ts";
import { s3CauseOf } from "./s3-causes.ts";

/** An error shaped as the S3 client throws it: S3's code as the name, the HTTP status in $metadata. */
const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: status }, message: name });

describe("s3CauseOf: the causes of S3 refusals Evergate names (docs/troubleshooting.md)", () => {
  it.each([
    ["ExpiredToken", 400, "credentials_expired"],
    ["RequestTimeTooSkewed", 403, "clock_skew"],
    ["InvalidSignatureException", 400, "clock_skew"],
    ["PermanentRedirect", 301, "wrong_region"],
    ["AuthorizationHeaderMalformed", 400, "wrong_region"],
    ["AccessDenied", 403, "access_denied"],
    ["NoSuchKey", 404, "object_missing"],
    ["Unknown", 301, "wrong_region"], // a HEAD to the wrong region: no body, only the status
    ["Unknown", 403, "access_denied"], // a HEAD refused: no body, only the status
  ])("%s (%i) is %s", (name, status, cause) => {
    expect(s3CauseOf(s3Error(name, status))?.cause).toBe(cause);
  });

  it.each([
    ["SignatureDoesNotMatch", 403],
    ["InvalidAccessKeyId", 403],
    ["NotFound", 404],
    ["InvalidRequest", 400],
    ["Unknown", 400],
  ])("%s (%i) is not named: it stays the SDK's error", (name, status) => {
    expect(s3CauseOf(s3Error(name, status))).toBeUndefined();
    expect(s3CauseOf(new Error("not from S3"))).toBeUndefined();
  });

  it("a HEAD's bodiless 400 is wrong_region only when S3 names the bucket's region with it", () => {
    const answered = (headers: Record<string, string>) =>
      Object.assign(s3Error("Unknown", 400), { $response: { statusCode: 400, headers } });
    expect(s3CauseOf(answered({ "x-amz-bucket-region": "eu-west-1" }))).toEqual({
      cause: "wrong_region",
      code: "HTTP 400",
    });
    expect(s3CauseOf(answered({}))).toBeUndefined();
  });

  it("callDependency names an S3 refusal, and leaves DynamoDB's errors as they are", async () => {
    const refused = callDependency("s3", () => Promise.reject(s3Error("PermanentRedirect", 301)));
    await expect(refused).rejects.toBeInstanceOf(StorageRefusedError);
    await expect(refused).rejects.toMatchObject({
      storageCause: "wrong_region",
      s3Code: "PermanentRedirect",
    });
    const dynamo = callDependency("dynamodb", () => Promise.reject(s3Error("AccessDenied", 403)));
    await expect(dynamo).rejects.toBeInstanceOf(S3ServiceException);
  });
});
