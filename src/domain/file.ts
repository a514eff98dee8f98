import { type TokenKeyRing, tokenFormat } from "./token.ts";

/**
 * A file a caller uploaded to link to (docs/decisions/026-files-and-file-links.md): owned by one
 * user, `pending` until its upload is completed and checked, then `ready` to link.
 */
export interface FileRecord {
  /** `evf_…`, tagged with a server key like a token: a guessed id costs no database read. */
  id: string;
  ownerId: string;
  filename: string;
  contentType: string;
  /** The exact size declared when the upload was issued; the stored object must match it. */
  size: number;
  status: "pending" | "ready";
  /** Where the bytes end up (files/…); a single PUT lands on `pendingKey` first and is copied here. */
  key: string;
  /** A single PUT's landing key under pending/ (absent for a multipart upload). */
  pendingKey?: string;
  /** A multipart upload's S3 upload id and the part size the server chose. */
  multipart?: { uploadId: string; partSize: number; partCount: number };
  createdAt: string;
  /** When the upload URLs stop working. */
  uploadExpiresAt: string;
  completedAt?: string;
}

/** S3's multipart limits: parts of 5 MiB to 5 GiB (the last may be smaller), at most 10,000 of them. */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;
export const S3_MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;
export const S3_MAX_PARTS = 10_000;
/** Fewer part URLs than S3 allows, so one answer carries them all (about 0.5 MB of JSON at most). */
export const MAX_PARTS_PER_UPLOAD = 1_000;

export interface PartPlan {
  partSize: number;
  partCount: number;
}

/**
 * The parts of a multipart upload: `preferredPartSize` (at least S3's minimum) unless the file
 * would need more than MAX_PARTS_PER_UPLOAD parts, then the smallest whole MiB that fits.
 */
export function planParts(size: number, preferredPartSize: number): PartPlan {
  const mib = 1024 * 1024;
  const fitting = Math.ceil(size / MAX_PARTS_PER_UPLOAD / mib) * mib;
  const partSize = Math.max(S3_MIN_PART_BYTES, preferredPartSize, fitting);
  if (partSize > S3_MAX_PART_BYTES) throw new RangeError(`${size} bytes need parts over S3's 5 GiB`);
  return { partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
}

/** The exact byte count of each part (the last one takes the rest): each part URL signs it. */
export function partSizes(size: number, plan: PartPlan): number[] {
  return Array.from({ length: plan.partCount }, (_, i) =>
    i < plan.partCount - 1 ? plan.partSize : size - plan.partSize * (plan.partCount - 1),
  );
}

/** Whether a candidate can be a file id this server minted: in memory, before any read. */
export function isMintedFileId(candidate: string, keys: TokenKeyRing): boolean {
  return tokenFormat("file", candidate, keys) === "keyed";
}
