import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { attachmentDisposition } from "#src/domain/content-disposition.ts";
import { PROMO_IMAGE_DISPOSITION } from "#src/domain/served-file.ts";
import { StorageRefusedError } from "#src/domain/storage-causes.ts";
import { loadOnce } from "#src/load-once.ts";
import type { Logger } from "#src/logger.ts";
import { logClockOffset } from "./clock-offset.ts";
import { callDependency } from "./dependency-errors.ts";
import { type FileStorage, MultipartRefusedError } from "./ports.ts";
import { createGetObjectPresigner, type S3Settings } from "./sigv4-presigner.ts";

export interface S3FileStorageSettings extends S3Settings {
  bucket: string;
  /** Where a URL shortened to its credentials' life is logged (once per credentials). */
  logger?: Logger;
  maxAttempts?: number;
  requestHandler?: S3ClientConfig["requestHandler"];
}

/** The S3Client for these settings; the GetObject presigner reads the very same ones, so their URLs agree. */
export function s3ClientConfig(settings: S3FileStorageSettings): S3ClientConfig {
  return {
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    maxAttempts: settings.maxAttempts,
    requestHandler: settings.requestHandler,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: settings.responseChecksumValidation,
  };
}

/** What S3 answers to a CompleteMultipartUpload the caller got wrong (or that is already over). */
const multipartRefusals = new Set([
  "InvalidPart",
  "InvalidPartOrder",
  "EntityTooSmall",
  "NoSuchUpload",
  "MalformedXML",
  "InvalidRequest",
]);

const isNotFound = (error: unknown) =>
  error instanceof Error &&
  ((error instanceof StorageRefusedError && error.storageCause === "object_missing") ||
    error.name === "NotFound" ||
    error.name === "NoSuchKey" ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404);

/**
 * A presigned URL cut to the life of the credentials that sign it (a role session ending before
 * the URL would): logged once per credentials, with the stable cause docs/troubleshooting.md names.
 */
export function shortenedUrlLog(logger: Logger): NonNullable<S3Settings["onShortened"]> {
  let loggedFor: number | undefined;
  return ({ requestedSeconds, grantedSeconds, credentialsExpireAt }) => {
    if (loggedFor === credentialsExpireAt.getTime()) return;
    loggedFor = credentialsExpireAt.getTime();
    logger.warn("presigned URL shortened", {
      cause: "credentials_expire_before_url",
      requestedSeconds,
      grantedSeconds,
      credentialsExpireAt: credentialsExpireAt.toISOString(),
      doc: "docs/troubleshooting.md#expiredtoken-400-or-403-the-provided-token-has-expired",
    });
  };
}

/**
 * The files bucket; every presign happens here. The redirect only presigns GetObject, which needs
 * no S3 client (bench/: the URLs of getSignedUrl for a fraction of the CPU), so the client and its
 * code (its size: bench/README.md) load on the first upload, copy, head or delete, never at cold start.
 */
export function s3FileStorage(settings: S3FileStorageSettings): FileStorage {
  const { bucket } = settings;
  const getPresigner = createGetObjectPresigner(bucket, {
    ...settings,
    onShortened: settings.onShortened ?? (settings.logger && shortenedUrlLog(settings.logger)),
  });
  const s3 = loadOnce(() =>
    import("@aws-sdk/client-s3").then((sdk) => {
      const client = new sdk.S3Client(s3ClientConfig(settings));
      if (settings.logger) logClockOffset(client, settings.logger, "s3");
      return { sdk, client };
    }),
  );
  return {
    presignGet(key, options) {
      return getPresigner.presign(key, {
        expiresInSeconds: options.expiresInSeconds,
        signedAt: options.signedAt,
        responseCacheControl: options.cacheControl,
        responseContentDisposition:
          options.downloadFilename !== undefined
            ? attachmentDisposition(options.downloadFilename)
            : PROMO_IMAGE_DISPOSITION,
      });
    },

    async presignPut(key, options) {
      const [{ sdk, client }, { getSignedUrl }] = await Promise.all([
        s3(),
        import("@aws-sdk/s3-request-presigner"),
      ]);
      const command = new sdk.PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentType: options.contentType,
        ContentLength: options.size,
      });
      // Both headers are signed, so S3 itself refuses a body of another size or type.
      const url = await getSignedUrl(client, command, {
        expiresIn: options.expiresInSeconds,
        signableHeaders: new Set(["content-type", "content-length"]),
      });
      return { url, headers: { "Content-Type": options.contentType } };
    },

    async head(key) {
      const { sdk, client } = await s3();
      try {
        const result = await callDependency("s3", () =>
          client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key })),
        );
        return { size: result.ContentLength ?? 0, contentType: result.ContentType };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },

    async readStart(key, bytes) {
      const { sdk, client } = await s3();
      const result = await callDependency("s3", () =>
        client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${bytes - 1}` })),
      );
      return result.Body ? await result.Body.transformToByteArray() : new Uint8Array();
    },

    async copy(fromKey, toKey, options) {
      const { sdk, client } = await s3();
      await callDependency("s3", () =>
        client.send(
          new sdk.CopyObjectCommand({
            Bucket: bucket,
            Key: toKey,
            CopySource: `${bucket}/${fromKey.split("/").map(encodeURIComponent).join("/")}`,
            // A presigned PUT cannot forbid unsigned headers, so the uploader may have stored
            // Cache-Control, Content-Disposition, Content-Encoding, Expires, x-amz-meta-*… with the
            // pending object. REPLACE keeps none of it: only the type Evergate decided (ADR 016).
            MetadataDirective: "REPLACE",
            ContentType: options.contentType,
          }),
        ),
      );
    },

    async delete(key) {
      const { sdk, client } = await s3();
      await callDependency("s3", () =>
        client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key })),
      );
    },

    async put(key, body, contentType) {
      const { sdk, client } = await s3();
      await callDependency("s3", () =>
        client.send(
          new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
        ),
      );
    },

    async ping() {
      const { sdk, client } = await s3();
      await callDependency("s3", () => client.send(new sdk.HeadBucketCommand({ Bucket: bucket })));
    },

    async createMultipartUpload(key, options) {
      const { sdk, client } = await s3();
      const result = await callDependency("s3", () =>
        client.send(
          new sdk.CreateMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            ContentType: options.contentType,
          }),
        ),
      );
      if (!result.UploadId) throw new Error("CreateMultipartUpload answered no UploadId");
      return result.UploadId;
    },

    async presignUploadPart(key, uploadId, part) {
      const [{ sdk, client }, { getSignedUrl }] = await Promise.all([
        s3(),
        import("@aws-sdk/s3-request-presigner"),
      ]);
      const command = new sdk.UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: part.partNumber,
        ContentLength: part.size,
      });
      // The part's size is signed: S3 refuses a part of any other length. Part requests carry no
      // object metadata (CreateMultipartUpload set it), so nothing can be smuggled into the file.
      return getSignedUrl(client, command, {
        expiresIn: part.expiresInSeconds,
        signableHeaders: new Set(["content-length"]),
      });
    },

    async completeMultipartUpload(key, uploadId, parts) {
      const { sdk, client } = await s3();
      try {
        await callDependency("s3", () =>
          client.send(
            new sdk.CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              MultipartUpload: {
                Parts: parts.map(({ partNumber, etag }) => ({ PartNumber: partNumber, ETag: etag })),
              },
            }),
          ),
        );
      } catch (error) {
        if (error instanceof Error && multipartRefusals.has(error.name)) {
          throw new MultipartRefusedError(error.name);
        }
        throw error;
      }
    },

    async abortMultipartUpload(key, uploadId) {
      const { sdk, client } = await s3();
      try {
        await callDependency("s3", () =>
          client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
        );
      } catch (error) {
        if (!(error instanceof Error && error.name === "NoSuchUpload")) throw error;
      }
    },
  };
}
