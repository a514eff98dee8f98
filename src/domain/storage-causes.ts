/**
 * Why S3 refused a call Evergate made itself, when Evergate can tell: the stable `cause` of the
 * log line and the problem's `detail`, each with its section of docs/troubleshooting.md. One
 * table for the log, the problem and the docs' links (src/storage/s3-causes.ts classifies).
 */
export const storageCauses = {
  credentials_expired: {
    says: "the credentials that signed the request to the files bucket had expired (ExpiredToken)",
    doc: "docs/troubleshooting.md#expiredtoken-400-or-403-the-provided-token-has-expired",
  },
  clock_skew: {
    says: "the server's clock is too far from S3's for its signatures to be accepted",
    doc: "docs/troubleshooting.md#requesttimetooskewed-403",
  },
  wrong_region: {
    says: "the files bucket is in another region than the one configured (AWS_REGION)",
    doc: "docs/troubleshooting.md#permanentredirect-301",
  },
  access_denied: {
    says: "the server's role may not do this on the files bucket (AccessDenied)",
    doc: "docs/troubleshooting.md#accessdenied-403",
  },
  object_missing: {
    says: "the file is missing from the files bucket (NoSuchKey)",
    doc: "docs/troubleshooting.md#nosuchkey-404",
  },
} as const;

export type StorageCause = keyof typeof storageCauses;

/** S3 refused a call of Evergate's own for a cause Evergate can name (not a fault of the caller's). */
export class StorageRefusedError extends Error {
  override name = "StorageRefusedError";
  constructor(
    readonly storageCause: StorageCause,
    /** S3's error code (or the HTTP status, for a HEAD, whose answer has no body). */
    readonly s3Code: string,
    options?: { cause?: unknown },
  ) {
    super(`S3 refused: ${storageCauses[storageCause].says}`, options);
  }

  /** The problem's detail: what happened and where the fix is. */
  get detail(): string {
    const { says, doc } = storageCauses[this.storageCause];
    return `Storage refused the request: ${says}. See ${doc}.`;
  }

  toJSON() {
    return { name: this.name, cause: this.storageCause, s3Code: this.s3Code, message: this.message };
  }
}
