import type { AppDeps } from "#src/app-deps.ts";
import { AppError, notFound } from "#src/domain/errors.ts";
import type { StoredFile } from "#src/domain/product.ts";
import { newId } from "#src/domain/token.ts";
import {
  imageContentTypes,
  imageMatchesContentType,
  type Upload,
  type UploadKind,
} from "#src/domain/upload.ts";
import { bucketPrefixes } from "#src/storage/bucket-layout.ts";

/** How long after its URL expires an upload may still be attached to a product. */
const CLAIM_GRACE_SECONDS = 3600;

export type UploadDeps = Pick<AppDeps, "config" | "stores" | "files" | "clock">;

export interface UploadRequest {
  kind: UploadKind;
  contentType: string;
  size: number;
  filename: string;
}

function invalidUpload(message: string, path = "") {
  return new AppError("upload_invalid", message, { errors: [{ path, message }] });
}

/** Answers a presigned PUT whose signature pins the key, the exact size and the content type. */
export async function createUpload(deps: UploadDeps, ownerId: string, request: UploadRequest) {
  const { config } = deps;
  const isImage = request.kind === "promoImage";
  const maxBytes = isImage ? config.MAX_IMAGE_BYTES : config.MAX_DELIVERABLE_BYTES;
  if (isImage && !(imageContentTypes as readonly string[]).includes(request.contentType)) {
    throw new AppError("invalid_request", `A promo image must be one of ${imageContentTypes.join(", ")}.`, {
      errors: [{ path: "contentType", message: "unsupported image type" }],
    });
  }
  if (request.size > maxBytes) {
    throw new AppError("payload_too_large", `A ${request.kind} may be at most ${maxBytes} bytes.`, {
      errors: [{ path: "size", message: `must be at most ${maxBytes}` }],
    });
  }
  const now = deps.clock();
  const id = newId();
  const pendingKey = `${bucketPrefixes.pending}${id}`;
  const urlExpiresAt = new Date(now.getTime() + config.UPLOAD_URL_TTL_SECONDS * 1000);
  const { url, headers } = await deps.files.presignPut(pendingKey, {
    contentType: request.contentType,
    size: request.size,
    expiresInSeconds: config.UPLOAD_URL_TTL_SECONDS,
  });
  const upload: Upload = {
    id,
    ownerId,
    kind: request.kind,
    pendingKey,
    contentType: request.contentType,
    size: request.size,
    filename: request.filename,
    createdAt: now.toISOString(),
    expiresAt: new Date(urlExpiresAt.getTime() + CLAIM_GRACE_SECONDS * 1000).toISOString(),
  };
  await deps.stores.uploads.put(upload);
  return { uploadId: id, method: "PUT" as const, url, headers, expiresAt: urlExpiresAt.toISOString() };
}

/**
 * Checks an upload before a product may point at it: the caller's own, of the right kind, not yet
 * used, and in S3 with exactly the declared size and type (and, for images, matching magic bytes).
 */
export async function verifyUpload(
  deps: UploadDeps,
  ownerId: string,
  uploadId: string,
  kind: UploadKind,
): Promise<Upload> {
  const field = kind === "promoImage" ? "imageUploadId" : "deliverableUploadId";
  const upload = await deps.stores.uploads.get(uploadId);
  if (!upload || upload.ownerId !== ownerId) throw notFound("Upload");
  if (upload.kind !== kind)
    throw invalidUpload(`Upload ${uploadId} is a ${upload.kind}, not a ${kind}.`, field);
  if (upload.claim) throw new AppError("conflict", `Upload ${uploadId} is already used by a product.`);
  if (Date.parse(upload.expiresAt) <= deps.clock().getTime())
    throw invalidUpload(`Upload ${uploadId} has expired.`, field);
  const stored = await deps.files.head(upload.pendingKey);
  if (!stored) throw invalidUpload(`The file for upload ${uploadId} has not been uploaded yet.`, field);
  if (stored.size !== upload.size || stored.contentType !== upload.contentType) {
    throw invalidUpload(
      `The stored file does not match the declared size and type of upload ${uploadId}.`,
      field,
    );
  }
  if (kind === "promoImage") {
    const head = await deps.files.readStart(upload.pendingKey, 16);
    if (!imageMatchesContentType(head, upload.contentType)) {
      throw invalidUpload(`The promo image is not a valid ${upload.contentType}.`, field);
    }
  }
  return upload;
}

export interface ClaimedFile {
  upload: Upload;
  file: StoredFile;
}

/**
 * Claims verified uploads for a product and copies them to their final keys. Claiming first means
 * two requests can never both use one upload; a failure releases nothing silently: the uploads stay
 * claimed and the sweeper removes whatever the product does not end up pointing at.
 */
export async function claimUploads(
  deps: UploadDeps,
  ownerId: string,
  productId: string,
  uploads: Upload[],
): Promise<ClaimedFile[]> {
  const claimed: ClaimedFile[] = [];
  for (const upload of uploads) {
    const targetKey = `${bucketPrefixes.files}${productId}/${newId()}`;
    const result = await deps.stores.uploads.claim(
      upload.id,
      ownerId,
      { productId, targetKey },
      deps.clock(),
    );
    if (!result) throw new AppError("conflict", `Upload ${upload.id} was used or expired meanwhile.`);
    await deps.files.copy(upload.pendingKey, targetKey, { contentType: upload.contentType });
    // The upload URL stays valid after verifyUpload read the pending object, so its owner can PUT
    // other bytes of the same size and type in between: check the copy, which nobody else can write.
    if (upload.kind === "promoImage") {
      const head = await deps.files.readStart(targetKey, 16);
      if (!imageMatchesContentType(head, upload.contentType)) {
        await deps.files.delete(targetKey);
        throw invalidUpload(`The promo image is not a valid ${upload.contentType}.`, "imageUploadId");
      }
    }
    claimed.push({
      upload,
      file: { key: targetKey, contentType: upload.contentType, size: upload.size, filename: upload.filename },
    });
  }
  return claimed;
}

/** After the product points at the copies, the pending objects and their records go. */
export async function finishUploads(deps: UploadDeps, claimed: ClaimedFile[]) {
  for (const { upload } of claimed) {
    await deps.files.delete(upload.pendingKey);
    await deps.stores.uploads.delete(upload.id);
  }
}
