import type { AppDeps } from "#src/app-deps.ts";
import { AppError, notFound } from "#src/domain/errors.ts";
import { type FileRecord, isMintedFileId, partSizes, planParts } from "#src/domain/file.ts";
import { mintToken } from "#src/domain/token.ts";
import { bucketPrefixes } from "#src/storage/bucket-layout.ts";
import { MultipartRefusedError, type Page, type PageRequest } from "#src/storage/ports.ts";
import { inChunks } from "./in-chunks.ts";
import { storeLinkJob } from "./link-jobs.ts";

/** What the file use cases touch. */
export type FileDeps = Pick<AppDeps, "stores" | "files" | "clock" | "config" | "linkJobs">;

export interface NewFile {
  filename: string;
  contentType: string;
  size: number;
}

export type FileUpload =
  | { kind: "single"; method: "PUT"; url: string; headers: Record<string, string>; expiresAt: string }
  | {
      kind: "multipart";
      partSize: number;
      parts: Array<{ partNumber: number; size: number; method: "PUT"; url: string }>;
      expiresAt: string;
    };

/** Part URLs signed at once (each is a local HMAC, no request). */
const PRESIGN_CONCURRENCY = 50;

const invalidUpload = (message: string, path = "") =>
  new AppError("upload_invalid", message, { errors: [{ path, message }] });

/**
 * Registers a file and answers how to upload it: one presigned PUT pinned to the exact size and
 * type (as ADR 005), or from FILE_MULTIPART_THRESHOLD_BYTES on a multipart upload whose part sizes
 * and count the server chose, each part URL pinned to its exact size.
 */
export async function createFile(
  deps: FileDeps,
  ownerId: string,
  request: NewFile,
): Promise<{ file: FileRecord; upload: FileUpload }> {
  const { config } = deps;
  if (request.size > config.MAX_FILE_BYTES) {
    throw new AppError("payload_too_large", `A file may be at most ${config.MAX_FILE_BYTES} bytes.`, {
      errors: [{ path: "size", message: `must be at most ${config.MAX_FILE_BYTES}` }],
    });
  }
  const now = deps.clock();
  const id = mintToken("file", config.TOKEN_KEYS).token;
  const key = `${bucketPrefixes.files}${id}`;
  const ttl = config.FILE_UPLOAD_URL_TTL_SECONDS;
  const expiresAt = new Date(now.getTime() + ttl * 1000).toISOString();
  const base = {
    id,
    ownerId,
    filename: request.filename,
    contentType: request.contentType,
    size: request.size,
    status: "pending" as const,
    key,
    createdAt: now.toISOString(),
    uploadExpiresAt: expiresAt,
  };

  if (request.size < config.FILE_MULTIPART_THRESHOLD_BYTES) {
    // The PUT lands under pending/ and is copied to its key on completion (metadata replaced, ADR 016).
    const pendingKey = `${bucketPrefixes.pending}${id}`;
    const { url, headers } = await deps.files.presignPut(pendingKey, {
      contentType: request.contentType,
      size: request.size,
      expiresInSeconds: ttl,
    });
    const file: FileRecord = { ...base, pendingKey };
    await deps.stores.files.put(file);
    return { file, upload: { kind: "single", method: "PUT", url, headers, expiresAt } };
  }

  const plan = planParts(request.size, config.FILE_PART_BYTES);
  // Parts go straight to the final key: an UploadPart carries no object metadata, so nothing the
  // uploader sends can end up on the file; only CreateMultipartUpload (ours) sets its type.
  const uploadId = await deps.files.createMultipartUpload(key, { contentType: request.contentType });
  const sizes = partSizes(request.size, plan);
  const parts: Array<{ partNumber: number; size: number; method: "PUT"; url: string }> = [];
  for (const chunk of inChunks(
    sizes.map((size, i) => ({ partNumber: i + 1, size })),
    PRESIGN_CONCURRENCY,
  )) {
    const signed = await Promise.all(
      chunk.map(async (part) => ({
        ...part,
        method: "PUT" as const,
        url: await deps.files.presignUploadPart(key, uploadId, { ...part, expiresInSeconds: ttl }),
      })),
    );
    parts.push(...signed);
  }
  const file: FileRecord = { ...base, multipart: { uploadId, ...plan } };
  await deps.stores.files.put(file);
  return { file, upload: { kind: "multipart", partSize: plan.partSize, parts, expiresAt } };
}

/**
 * The caller's file, or the same 404 as a missing one. An id this server did not mint is refused
 * before any read, so guessing ids costs nothing but the caller's authentication.
 */
export async function getOwnFileOrThrow(
  deps: Pick<AppDeps, "stores" | "config">,
  ownerId: string,
  fileId: string,
): Promise<FileRecord> {
  if (!isMintedFileId(fileId, deps.config.TOKEN_KEYS)) throw notFound("File");
  const file = await deps.stores.files.get(fileId);
  if (!file || file.ownerId !== ownerId) throw notFound("File");
  return file;
}

export function listOwnFiles(deps: FileDeps, ownerId: string, page: PageRequest): Promise<Page<FileRecord>> {
  return deps.stores.files.listByOwner(ownerId, page);
}

/**
 * Ends an upload: checks that the stored object has exactly the declared size and type (HeadObject)
 * and makes the file ready to link. A file that does not match is deleted, object and record, and
 * the answer says why. Completing a file that is already ready answers it again (a retry).
 */
export async function completeFile(
  deps: FileDeps,
  ownerId: string,
  fileId: string,
  parts: Array<{ partNumber: number; etag: string }> | undefined,
): Promise<FileRecord> {
  const file = await getOwnFileOrThrow(deps, ownerId, fileId);
  if (file.status === "ready") return file;
  if (file.multipart) {
    if (!parts) throw invalidUpload("A multipart upload is completed with its parts' ETags.", "parts");
    try {
      await deps.files.completeMultipartUpload(file.key, file.multipart.uploadId, parts);
    } catch (error) {
      if (error instanceof MultipartRefusedError) {
        throw invalidUpload(`S3 refused to assemble the parts (${error.s3Code}).`, "parts");
      }
      throw error;
    }
    await checkStoredObject(deps, file, file.key);
  } else {
    if (parts) throw invalidUpload("A single-PUT upload is completed without parts.", "parts");
    const pendingKey = file.pendingKey as string;
    await checkStoredObject(deps, file, pendingKey);
    await deps.files.copy(pendingKey, file.key, { contentType: file.contentType });
    await deps.files.delete(pendingKey);
  }
  const ready = await deps.stores.files.markReady(file.id, ownerId, deps.clock());
  if (ready) return ready;
  // Completed twice at once (the other one won), or deleted meanwhile (then its object goes too).
  const current = await deps.stores.files.get(file.id);
  if (current?.status === "ready") return current;
  await deps.files.delete(file.key);
  throw notFound("File");
}

/** HeadObject: exactly the declared size and type, else the object and the record are deleted. */
async function checkStoredObject(deps: FileDeps, file: FileRecord, key: string): Promise<void> {
  const stored = await deps.files.head(key);
  if (!stored) throw invalidUpload(`The file ${file.id} has not been uploaded yet.`);
  if (stored.size === file.size && stored.contentType === file.contentType) return;
  await deps.files.delete(key);
  await deps.stores.files.delete(file.id);
  throw invalidUpload(
    `The stored object has ${stored.size} bytes of ${stored.contentType ?? "no type"}; ` +
      `${file.size} bytes of ${file.contentType} were declared. The file is deleted: upload it again.`,
  );
}

/**
 * Deletes a file. A pending one goes at once (its multipart upload aborted). A ready one: every
 * link to it stops within seconds and then its object goes: a job is stored first, then the
 * record deleted, and a worker walks the links (ADR 013, as a product delete does).
 */
export async function deleteFile(deps: FileDeps, ownerId: string, fileId: string): Promise<void> {
  const file = await getOwnFileOrThrow(deps, ownerId, fileId);
  if (file.status === "pending") {
    if (file.multipart) await deps.files.abortMultipartUpload(file.key, file.multipart.uploadId);
    if (file.pendingKey) await deps.files.delete(file.pendingKey);
    await deps.stores.files.delete(file.id);
    // A completion racing this delete may have assembled the object after the abort.
    await deps.files.delete(file.key);
    return;
  }
  const job = await storeLinkJob(deps, {
    kind: "revoke-file",
    productId: file.id,
    revokedBy: ownerId,
    deleteKeys: [file.key],
  });
  await deps.stores.files.delete(file.id);
  deps.linkJobs.started(job.id);
}
