import { createHash, createHmac } from "node:crypto";

/** SigV4's own ceiling for query-signed URLs (seven days). */
export const MAX_PRESIGN_SECONDS = 604_800;

export interface PresignGetObjectOptions {
  expiresInSeconds: number;
  /** The signing time; defaults to now. */
  signedAt?: Date;
  /** Becomes `response-cache-control`, which S3 sends instead of any Cache-Control stored with the object. */
  responseCacheControl?: string;
  /** Becomes `response-content-disposition`, which S3 echoes as the download's header. */
  responseContentDisposition?: string;
}

export interface GetObjectPresigner {
  presign(key: string, options: PresignGetObjectOptions): Promise<string>;
}

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/**
 * What decides a GetObject URL, with the meaning an S3Client gives the same settings: the files
 * bucket's S3Client is built from this very object (src/storage/s3-files.ts), so the two agree.
 */
export interface S3Settings {
  region: string;
  /** A custom endpoint (a stand-in, MinIO, Ceph); AWS's regional endpoint when absent. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** The S3Client's setting of the same name: WHEN_SUPPORTED makes getSignedUrl add x-amz-checksum-mode. */
  responseChecksumValidation: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  /** Called on every URL: it must cache and refresh (the SDK's default chain does). */
  credentials: () => Promise<SigningCredentials>;
  /**
   * Told when a URL is given less than the validity asked for because the credentials that sign
   * it expire first (S3 would refuse it with ExpiredToken from then on).
   */
  onShortened?: (shortened: {
    requestedSeconds: number;
    grantedSeconds: number;
    credentialsExpireAt: Date;
  }) => void;
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

/** The partitions' DNS suffixes by region pattern, in the SDK's order (partitions.json); "aws" otherwise. */
const PARTITION_DNS_SUFFIXES: Array<[RegExp, string]> = [
  [/^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, "amazonaws.com"],
  [/^cn-\w+-\d+$/, "amazonaws.com.cn"],
  [/^eusc-(de)-\w+-\d+$/, "amazonaws.eu"],
  [/^us-iso-\w+-\d+$/, "c2s.ic.gov"],
  [/^us-isob-\w+-\d+$/, "sc2s.sgov.gov"],
  [/^eu-isoe-\w+-\d+$/, "cloud.adc-e.uk"],
  [/^us-isof-\w+-\d+$/, "csp.hci.ic.gov"],
  [/^us-gov-\w+-\d+$/, "amazonaws.com"],
];
const HOST_LABEL = /^(?!.*-$)(?!-)[a-zA-Z0-9-]{1,63}$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)){3}$/;

/** aws.isVirtualHostableS3Bucket(bucket, false) of the SDK's endpoint functions. */
const isVirtualHostableBucket = (bucket: string) =>
  HOST_LABEL.test(bucket) && bucket.length >= 3 && bucket === bucket.toLowerCase() && !IPV4.test(bucket);

/**
 * The custom endpoint as the S3 client hands it to its endpoint rules: parsed, the default port
 * dropped, rebuilt from scheme, host and path (the SDK's url-parser, then its parseURL).
 */
function parseEndpoint(endpoint: string) {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`The S3 endpoint ${endpoint} is not a valid URL`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== "http" && scheme !== "https") throw new Error(`The S3 endpoint ${endpoint} needs http(s)`);
  if (url.search || url.hash || url.username || url.password) {
    throw new Error("Presigning supports S3 endpoints without query, fragment or user info");
  }
  return {
    scheme,
    authority: url.host,
    path: url.pathname,
    normalizedPath: url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`,
    isIp: IPV4.test(url.hostname) || url.hostname.startsWith("["),
  };
}

/**
 * S3's endpoint rules for a plain bucket, GetObject, no FIPS / dual-stack / acceleration (the
 * settings Evergate has): virtual-hosted when the bucket is a DNS label and path style is not
 * forced; dotted buckets virtual-hosted only on a plain-http custom endpoint; path style
 * otherwise, and always on an IP endpoint. The property test compares every branch with the SDK.
 * Bucket ARNs, S3 Express / Outposts / Object Lambda names and the *-global pseudo-regions follow
 * other rules: refused here, at cold start, rather than signed wrongly.
 */
export function resolveGetObjectTarget(bucket: string, settings: S3Settings): Target {
  const { region } = settings;
  if (bucket.startsWith("arn:") || /--[a-z0-9]+-s3$/.test(bucket)) {
    throw new Error(`Presigning supports plain bucket names only, not ${bucket}`);
  }
  if (!HOST_LABEL.test(region) || /^aws(-[a-z]+)*-global$/.test(region)) {
    throw new Error(`Presigning needs a concrete AWS region, not ${region}`);
  }
  const dnsSuffix = PARTITION_DNS_SUFFIXES.find(([pattern]) => pattern.test(region))?.[1] ?? "amazonaws.com";
  const custom = settings.endpoint === undefined ? undefined : parseEndpoint(settings.endpoint);
  const encodedBucket = escapeUri(bucket);
  let endpoint: string;
  if (!settings.forcePathStyle && isVirtualHostableBucket(bucket)) {
    if (!custom) endpoint = `https://${bucket}.s3.${region}.${dnsSuffix}`;
    else if (custom.isIp)
      endpoint = `${custom.scheme}://${custom.authority}${custom.normalizedPath}${bucket}`;
    else endpoint = `${custom.scheme}://${bucket}.${custom.authority}${custom.path}`;
  } else if (
    !settings.forcePathStyle &&
    custom?.scheme === "http" &&
    bucket.split(".").every(isVirtualHostableBucket)
  ) {
    endpoint = `${custom.scheme}://${bucket}.${custom.authority}${custom.path}`;
  } else if (custom) {
    endpoint = `${custom.scheme}://${custom.authority}${custom.normalizedPath}${encodedBucket}`;
  } else {
    endpoint = `https://s3.${region}.${dnsSuffix}/${encodedBucket}`;
  }
  // Throws where the SDK's does too (a dotted bucket as a subdomain of an IP is no host).
  const url = new URL(endpoint);
  const host = url.host;
  // Joined as the SDK's HTTP binding does: "/" gives way to the key, any other path is kept as is.
  const basePath = url.pathname === "/" ? "" : url.pathname;
  return {
    base: `${url.protocol}//${host}${basePath}`,
    host,
    basePath,
    signingRegion: region,
    signingName: "s3",
    checksumMode: settings.responseChecksumValidation === "WHEN_SUPPORTED",
  };
}

/**
 * Presigns S3 GetObject URLs byte-for-byte like `getSignedUrl` from @aws-sdk/s3-request-presigner,
 * at a fraction of its cost and without the S3 client (a cold start never loads it): the SDK runs
 * the whole middleware chain and resolves the endpoint twice per URL; this resolves the endpoint
 * once, from the same settings the S3 client is built from, derives the signing key once per day
 * and credentials, and then spends one SHA-256 and one HMAC per URL. Credentials come from the
 * given provider on every call, which caches and refreshes them (the Lambda role's, in AWS).
 */
export function createGetObjectPresigner(bucket: string, settings: S3Settings): GetObjectPresigner {
  const { base, host, basePath, signingRegion, signingName, checksumMode } = resolveGetObjectTarget(
    bucket,
    settings,
  );
  const signingKeys = new Map<string, Buffer>();

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
      const credentials = await settings.credentials();
      const signedAt = options.signedAt ?? new Date();
      const expires = validitySeconds(options.expiresInSeconds, signedAt, credentials.expiration);
      if (expires < options.expiresInSeconds && credentials.expiration)
        settings.onShortened?.({
          requestedSeconds: options.expiresInSeconds,
          grantedSeconds: expires,
          credentialsExpireAt: credentials.expiration,
        });

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
        (options.responseCacheControl !== undefined
          ? `&response-cache-control=${escapeUri(options.responseCacheControl)}`
          : "") +
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
