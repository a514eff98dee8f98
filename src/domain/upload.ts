export type UploadKind = "promoImage" | "deliverable";

export const imageContentTypes = ["image/png", "image/jpeg", "image/webp"] as const;

export interface Upload {
  id: string;
  ownerId: string;
  kind: UploadKind;
  /** Where the browser PUTs the bytes (under pending/). */
  pendingKey: string;
  contentType: string;
  size: number;
  filename: string;
  createdAt: string;
  expiresAt: string;
  /** Set when a product claims the upload: the final key the bytes are copied to. */
  claim?: { productId: string; targetKey: string };
}

/** Checks the first bytes of an image against the signatures of the types we accept. */
export function imageMatchesContentType(head: Uint8Array, contentType: string): boolean {
  const startsWith = (bytes: number[], offset = 0) => bytes.every((byte, i) => head[offset + i] === byte);
  switch (contentType) {
    case "image/png":
      return startsWith([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    case "image/jpeg":
      return startsWith([0xff, 0xd8, 0xff]);
    case "image/webp":
      return startsWith([0x52, 0x49, 0x46, 0x46]) && startsWith([0x57, 0x45, 0x42, 0x50], 8);
    default:
      return false;
  }
}
