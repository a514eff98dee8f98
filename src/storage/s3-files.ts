import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { attachmentDisposition } from "#src/domain/content-disposition.ts";
import { callDependency } from "./dependency-errors.ts";
import type { FileStorage } from "./ports.ts";
import { createGetObjectPresigner } from "./sigv4-presigner.ts";

const isNotFound = (error: unknown) =>
  error instanceof Error &&
  (error.name === "NotFound" ||
    error.name === "NoSuchKey" ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404);

/** The files bucket through the official S3 client; every presign happens here. */
export function s3FileStorage(client: S3Client, bucket: string): FileStorage {
  // The redirect's presigner: the same URLs as getSignedUrl for a fraction of the CPU (bench/).
  const getPresigner = createGetObjectPresigner(client, bucket);
  return {
    presignGet(key, options) {
      return getPresigner.presign(key, {
        expiresInSeconds: options.expiresInSeconds,
        signedAt: options.signedAt,
        responseContentDisposition:
          options.downloadFilename !== undefined
            ? attachmentDisposition(options.downloadFilename)
            : undefined,
      });
    },

    async presignPut(key, options) {
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentType: options.contentType,
        ContentLength: options.size,
      });
      // Loaded on first use: uploads are rare next to redirects, so a cold start skips it.
      const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");
      // Both headers are signed, so S3 itself refuses a body of another size or type.
      const url = await getSignedUrl(client, command, {
        expiresIn: options.expiresInSeconds,
        signableHeaders: new Set(["content-type", "content-length"]),
      });
      return { url, headers: { "Content-Type": options.contentType } };
    },

    async head(key) {
      try {
        const result = await callDependency("s3", () =>
          client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
        );
        return { size: result.ContentLength ?? 0, contentType: result.ContentType };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },

    async readStart(key, bytes) {
      const result = await callDependency("s3", () =>
        client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${bytes - 1}` })),
      );
      return result.Body ? await result.Body.transformToByteArray() : new Uint8Array();
    },

    async copy(fromKey, toKey) {
      await callDependency("s3", () =>
        client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: toKey,
            CopySource: `${bucket}/${fromKey.split("/").map(encodeURIComponent).join("/")}`,
          }),
        ),
      );
    },

    async delete(key) {
      await callDependency("s3", () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
    },

    async put(key, body, contentType) {
      await callDependency("s3", () =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType })),
      );
    },

    async ping() {
      await callDependency("s3", () => client.send(new HeadBucketCommand({ Bucket: bucket })));
    },
  };
}
