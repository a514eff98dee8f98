import { createHash, createHmac } from "node:crypto";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getEndpointFromInstructions } from "@smithy/core/endpoints";

/** SigV4's own ceiling for query-signed URLs (seven days). */
export const MAX_PRESIGN_SECONDS = 604_800;

export interface PresignGetObjectOptions {
  expiresInSeconds: number;
  /** The signing time; defaults to now. */
  signedAt?: Date;
  /** Becomes `response-content-disposition`, which S3 echoes as the download's header. */
  responseContentDisposition?: string;
}

export interface GetObjectPresigner {
  presign(key: string, options: PresignGetObjectOptions): Promise<string>;
}

interface Target {
  /** scheme://host[:port] plus the endpoint's own path (the bucket, when path-style). */
  base: string;
  host: string;
  basePath: string;
  signingRegion: string;
  signingName: string;
  /** What getSignedUrl adds when the client validates response checksums (WHEN_SUPPORTED). */
  checksumMode: boolean;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const SIGNING_KEY_CACHE_SIZE = 16;

/** RFC 3986 unreserved only: encodeURIComponent leaves !'()* alone, SigV4 and the SDK do not. */
const escapeUri = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/** The key as the SDK puts it in the path: each segment escaped, the slashes kept. */
const escapeKeyPath = (key: string) => key.split("/").map(escapeUri).join("/");

/** 20240506T070809Z: ISO 8601 basic format, seconds precision, as SigV4 wants it. */
const amzDate = (date: Date) =>
  date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");

/**
 * Presigns S3 GetObject URLs byte-for-byte like `getSignedUrl` from @aws-sdk/s3-request-presigner,
 * at a fraction of its cost: the SDK runs the whole middleware chain and resolves the endpoint
 * twice per URL; this resolves the endpoint once per bucket (with the client's own endpoint rules
 * and configuration), derives the signing key once per day and credentials, and then spends one
 * SHA-256 and one HMAC per URL. Credentials always come from the client's own provider, which
 * caches and refreshes them (the Lambda role's, in AWS).
 */
export function createGetObjectPresigner(client: S3Client, bucket: string): GetObjectPresigner {
  let target: Target | undefined;
  let resolving: Promise<Target> | undefined;
  const signingKeys = new Map<string, Buffer>();

  const resolveTarget = async (): Promise<Target> => {
    const endpoint = await getEndpointFromInstructions(
      { Bucket: bucket, Key: "key" },
      GetObjectCommand,
      client.config as unknown as Parameters<typeof getEndpointFromInstructions>[2],
    );
    const scheme = (endpoint.properties?.authSchemes as Array<Record<string, unknown>> | undefined)?.[0];
    if (scheme && scheme.name !== "sigv4") {
      throw new Error(
        `Presigning supports SigV4 only; the endpoint for ${bucket} wants ${String(scheme.name)}`,
      );
    }
    const url = endpoint.url;
    if (url.search || url.hash || url.username || url.password) {
      throw new Error("Presigning supports S3 endpoints without query, fragment or user info");
    }
    const host = url.host;
    // Joined as the SDK's HTTP binding does: "/" gives way to the key, any other path is kept as is.
    const basePath = url.pathname === "/" ? "" : url.pathname;
    const checksumValidation = await client.config.responseChecksumValidation();
    return {
      base: `${url.protocol}//${host}${basePath}`,
      host,
      basePath,
      signingRegion: (scheme?.signingRegion as string | undefined) ?? (await client.config.region()),
      signingName: (scheme?.signingName as string | undefined) ?? "s3",
      checksumMode: checksumValidation === "WHEN_SUPPORTED",
    };
  };

  const signingKey = (secret: string, shortDate: string, region: string, service: string): Buffer => {
    const cacheKey = `${shortDate}\n${region}\n${service}\n${secret}`;
    let key = signingKeys.get(cacheKey);
    if (key) return key;
    const hmac = (k: string | Buffer, data: string) => createHmac("sha256", k).update(data).digest();
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, shortDate), region), service), "aws4_request");
    if (signingKeys.size >= SIGNING_KEY_CACHE_SIZE) {
      signingKeys.delete(signingKeys.keys().next().value as string);
    }
    signingKeys.set(cacheKey, key);
    return key;
  };

  return {
    async presign(key, options) {
      if (!target) {
        resolving ??= resolveTarget().catch((error: unknown) => {
          resolving = undefined;
          throw error;
        });
        target = await resolving;
      }
      const { base, host, basePath, signingRegion, signingName, checksumMode } = target;
      const credentials = await client.config.credentials();
      const signedAt = options.signedAt ?? new Date();
      const expires = validitySeconds(options.expiresInSeconds, signedAt, credentials.expiration);

      const longDate = amzDate(signedAt);
      const shortDate = longDate.slice(0, 8);
      const scope = `${shortDate}/${signingRegion}/${signingName}/aws4_request`;
      const path = `/${escapeKeyPath(key)}`;
      // Already in canonical (sorted) order, which is also the order getSignedUrl prints.
      const beforeSignature =
        `X-Amz-Algorithm=${ALGORITHM}&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD` +
        `&X-Amz-Credential=${escapeUri(`${credentials.accessKeyId}/${scope}`)}` +
        `&X-Amz-Date=${longDate}&X-Amz-Expires=${expires}` +
        (credentials.sessionToken ? `&X-Amz-Security-Token=${escapeUri(credentials.sessionToken)}` : "");
      const afterSignature =
        "X-Amz-SignedHeaders=host" +
        (options.responseContentDisposition !== undefined
          ? `&response-content-disposition=${escapeUri(options.responseContentDisposition)}`
          : "") +
        (checksumMode ? "&x-amz-checksum-mode=ENABLED" : "") +
        "&x-id=GetObject";
      const canonicalRequest = `GET\n${basePath}${path}\n${beforeSignature}&${afterSignature}\nhost:${host}\n\nhost\nUNSIGNED-PAYLOAD`;
      const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${createHash("sha256").update(canonicalRequest).digest("hex")}`;
      const signature = createHmac(
        "sha256",
        signingKey(credentials.secretAccessKey, shortDate, signingRegion, signingName),
      )
        .update(stringToSign)
        .digest("hex");
      return `${base}${path}?${beforeSignature}&X-Amz-Signature=${signature}&${afterSignature}`;
    },
  };
}

/**
 * The requested validity, never beyond the credentials' own expiry: a URL signed with a role
 * session stops working when the session ends, so promising longer would only mislead.
 */
export function validitySeconds(requested: number, signedAt: Date, credentialsExpireAt?: Date): number {
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_PRESIGN_SECONDS) {
    throw new RangeError(
      `Presigned URL validity must be 1..${MAX_PRESIGN_SECONDS} whole seconds, got ${requested}`,
    );
  }
  if (!credentialsExpireAt) return requested;
  const left = Math.floor((credentialsExpireAt.getTime() - signedAt.getTime()) / 1000);
  if (left < 1) throw new Error("The signing credentials expire before a presigned URL could be used");
  return Math.min(requested, left);
}
