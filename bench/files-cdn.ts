import { generateKeyPairSync } from "node:crypto";
import { DELIVERABLE_CACHE_CONTROL } from "#src/domain/served-file.ts";
import { cloudFrontFileStorage } from "#src/storage/cloudfront-files.ts";
import type { FileStorage } from "#src/storage/ports.ts";
import { compareCpu, cpuMicros, median } from "./cpu.ts";

/**
 * What the files CDN (ADR 024) costs a redirect: a CloudFront signature (RSA 2048 over the canned
 * policy) for the first hit on a file in a signing window, the remembered URL for every later
 * one; beside them, the S3 presign of the same GET, measured in the same rounds.
 */
export async function filesCdnCost(s3: FileStorage, quick: boolean) {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const cdn = (pem = privateKey) =>
    cloudFrontFileStorage(s3, {
      baseUrl: "https://d111111abcdef8.cloudfront.net",
      keyPairId: "K2JCJMDEHXQW5F",
      privateKey: async () => pem,
      signingWindowSeconds: 60,
    });
  const files = cdn();
  const signedAt = new Date("2026-11-27T23:41:17Z");
  const options = {
    expiresInSeconds: 300,
    signedAt,
    cacheControl: DELIVERABLE_CACHE_CONTROL,
    downloadFilename: "Field recordings vol. 2 – final.zip",
  };
  const key = "files/prd_bench0000000000000000/field recordings vol 2 (final).zip";
  let fresh = 0;
  const us = await compareCpu(
    {
      // A key not signed before: the signature is made (what the first hit of a window pays).
      cdnFirstSign: () => files.presignGet(`${key}.${fresh++}`, options),
      // The same file in the same window: the remembered URL.
      cdnReused: () => files.presignGet(key, options),
      s3PresignGet: () => s3.presignGet(key, options),
    },
    { rounds: quick ? 3 : 9, iterations: quick ? 50 : 200, warmup: 50 },
  );
  // Once per instance: the PEM parsed into a key object, then the first signature.
  const withKeyLoad: number[] = [];
  for (let i = 0; i < (quick ? 3 : 9); i++) {
    withKeyLoad.push(await cpuMicros(() => cdn().presignGet(key, options), 1));
  }
  return { ...us, firstSignWithKeyLoadUs: median(withKeyLoad) };
}
