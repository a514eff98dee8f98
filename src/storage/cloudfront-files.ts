import { createPrivateKey, type KeyObject } from "node:crypto";
import { getSignedUrl } from "@aws-sdk/cloudfront-signer";
import { attachmentDisposition } from "#src/domain/content-disposition.ts";
import { PROMO_IMAGE_DISPOSITION } from "#src/domain/served-file.ts";
import { signingWindow } from "#src/domain/signing-window.ts";
import { loadOnce } from "#src/load-once.ts";
import type { FileStorage, PresignedGetOptions } from "./ports.ts";
import { validitySeconds } from "./sigv4-presigner.ts";

export interface CloudFrontFilesSettings {
  /** https://{the files distribution's domain}: its `/files/*` behaviour serves the bucket's `files/` keys. */
  baseUrl: string;
  /** The CloudFront public key's id (in the behaviour's trusted key group). */
  keyPairId: string;
  /** The PEM private key of that public key: read on the first signature, once per instance. */
  privateKey: () => Promise<string>;
  /**
   * URLs expire at the start of their signing window plus the requested validity, so every hit
   * on one file in one window gets the same URL: its RSA signature is made once per window and
   * reused (ADR 024). At most half the shortest validity asked for (src/config.ts checks it).
   */
  signingWindowSeconds: number;
  /** How many signed URLs are kept for reuse; the oldest go first. */
  maxRemembered?: number;
}

/** RFC 3986 unreserved only, as S3's own presigner escapes: the signer keeps %XX as it is. */
const escapeUri = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The files through CloudFront (ADR 024): GETs are CloudFront signed URLs (canned policy, a key
 * group trusted by the files distribution) instead of S3 presigned ones; everything else (uploads,
 * copies, heads, deletes) is still the S3 storage's. The URL carries the same pinned
 * `response-cache-control` and `response-content-disposition` as the S3 one (ADR 016): both are in
 * the signed resource, so they cannot be edited, and in the distribution's cache key and origin
 * request, so S3 applies them through origin access control.
 */
export function cloudFrontFileStorage(s3: FileStorage, settings: CloudFrontFilesSettings): FileStorage {
  const baseUrl = settings.baseUrl.replace(/\/+$/, "");
  const maxRemembered = settings.maxRemembered ?? 10_000;
  // A KeyObject: the signer would otherwise parse the PEM on every signature (≈ 3× the RSA cost).
  const privateKey = loadOnce(async (): Promise<KeyObject> => createPrivateKey(await settings.privateKey()));
  const remembered = new Map<string, { url: string; expiresAt: number }>();

  const remember = (resource: string, url: string, expiresAt: number, nowSeconds: number) => {
    if (remembered.size >= maxRemembered) {
      for (const [key, entry] of remembered) if (entry.expiresAt <= nowSeconds) remembered.delete(key);
      if (remembered.size >= maxRemembered) remembered.delete(remembered.keys().next().value as string);
    }
    remembered.set(resource, { url, expiresAt });
  };

  return {
    ...s3,
    async presignGet(key: string, options: PresignedGetOptions) {
      const asked = options.signedAt ?? new Date();
      const { signedAt } = signingWindow(asked, settings.signingWindowSeconds);
      const expiresAt =
        Math.floor(signedAt.getTime() / 1000) + validitySeconds(options.expiresInSeconds, signedAt);
      const disposition =
        options.downloadFilename !== undefined
          ? attachmentDisposition(options.downloadFilename)
          : PROMO_IMAGE_DISPOSITION;
      const resource =
        `${baseUrl}/${key.split("/").map(escapeUri).join("/")}` +
        `?response-cache-control=${escapeUri(options.cacheControl)}` +
        `&response-content-disposition=${escapeUri(disposition)}`;
      const cacheKey = `${expiresAt} ${resource}`;
      const reused = remembered.get(cacheKey);
      if (reused) return reused.url;
      const url = getSignedUrl({
        url: resource,
        keyPairId: settings.keyPairId,
        // The signer hands it to node:crypto's Sign#sign, which takes a KeyObject as well as a PEM.
        privateKey: (await privateKey()) as unknown as string,
        dateLessThan: new Date(expiresAt * 1000),
      });
      remember(cacheKey, url, expiresAt, Math.floor(asked.getTime() / 1000));
      return url;
    },
  };
}
