import type { LinkPolicy } from "./domain/link-policy.ts";
import { parseTokenKeys, type TokenKeyRing } from "./domain/token.ts";

/**
 * Settings are parsed by the small rules below, not zod: the Lambda parses them at every cold
 * start, and zod here would put zod's core (shared with the API's schemas) on the redirect's
 * cold path. The figures: bench/README.md; the decision: docs/decisions/010-lambda-loads-by-path.md.
 */
type Rule<T> = (raw: string | undefined) => T;

class SettingError extends Error {}

function required<T>(rule: Rule<T | undefined>): Rule<T> {
  return (raw) => {
    const value = rule(raw);
    if (value === undefined) throw new SettingError("is required");
    return value;
  };
}

const integer =
  (min: number, max: number, fallback?: number): Rule<number | undefined> =>
  (raw) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new SettingError(`must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
const seconds = (fallback: number, min = 0) => required(integer(min, 3600, fallback));
const perMinute = (fallback: number) => required(integer(1, 1_000_000, fallback));
const bytes = (fallback: number) => required(integer(1, Number.MAX_SAFE_INTEGER, fallback));

const text =
  (minLength: number, fallback?: string, pattern?: RegExp): Rule<string | undefined> =>
  (raw) => {
    if (raw === undefined) return fallback;
    if (raw.length < minLength) throw new SettingError(`must have at least ${minLength} characters`);
    if (pattern && !pattern.test(raw)) throw new SettingError(`must match ${pattern}`);
    return raw;
  };

const url: Rule<string | undefined> = (raw) => {
  if (raw === undefined) return undefined;
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) {
    throw new SettingError(`must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return raw;
};

const oneOf =
  <const T extends string>(choices: readonly T[], fallback: T): Rule<T> =>
  (raw) => {
    if (raw === undefined) return fallback;
    if (!(choices as readonly string[]).includes(raw)) {
      throw new SettingError(`must be one of ${choices.join(", ")}, got ${JSON.stringify(raw)}`);
    }
    return raw as T;
  };

const flag =
  (fallback: boolean): Rule<boolean> =>
  (raw) => {
    const value = oneOf(["true", "false", "1", "0"], fallback ? "true" : "false")(raw);
    return value === "true" || value === "1";
  };

/** The server keys that tag tokens (parsed, never echoed in an error). */
const tokenKeys: Rule<TokenKeyRing> = (raw) => {
  if (raw === undefined) throw new SettingError("is required (npm start keeps one in DATA_DIR)");
  try {
    return parseTokenKeys(raw);
  } catch (error) {
    throw new SettingError((error as Error).message);
  }
};

/** Every setting Evergate reads, with local defaults. Only this module reads process.env. */
const settings = {
  PORT: required(integer(0, 65535, 3000)),
  AWS_REGION: required(text(1, "us-east-1")),
  TABLE_NAME: required(text(3, "evergate")),
  FILES_BUCKET: required(text(3, "evergate-files")),
  DYNAMODB_ENDPOINT: url,
  S3_ENDPOINT: url,
  S3_FORCE_PATH_STYLE: flag(false),
  COGNITO_ISSUER: required(url),
  COGNITO_JWKS_URI: url,
  COGNITO_CLIENT_ID: required(text(1)),
  /** Cognito's API (AdminGetUser) when it is not AWS's regional endpoint: the local stand-in. */
  COGNITO_ENDPOINT: url,
  /** How long a user's "exists and enabled" answer from Cognito is reused before asking again. */
  USER_STATUS_CACHE_SECONDS: seconds(60),
  COGNITO_DOMAIN_URL: url,
  COGNITO_AUTHORIZE_URL: url,
  COGNITO_TOKEN_URL: url,
  COGNITO_LOGOUT_URL: url,
  PUBLIC_BASE_URL: url,
  /** Behind CloudFront with origin access control, the edge moves the viewer's Authorization here. */
  AUTHORIZATION_HEADER: required(text(1, "authorization", /^[a-z0-9-]+$/)),
  /**
   * A header the deployment's own proxy sets to the viewer's address (CloudFront:
   * cloudfront-viewer-address). Unset: the TCP peer. Never set it where clients reach the app directly.
   */
  CLIENT_ADDRESS_HEADER: text(1, undefined, /^[a-z0-9-]+$/),
  /** A header the deployment's edge sets to the viewer's country (CloudFront: cloudfront-viewer-country). */
  CLIENT_COUNTRY_HEADER: text(1, undefined, /^[a-z0-9-]+$/),
  /** Days an access event is kept (DynamoDB TTL; the stand-in's TTL locally). */
  EVENT_RETENTION_DAYS: required(integer(1, 3650, 90)),
  /** Webhooks may target http://localhost and loopback addresses: `npm start` only, never a deployment. */
  WEBHOOK_ALLOW_LOOPBACK: flag(false),
  /** The SQS queue webhook deliveries wait in (AWS); unset: delivered in process (the local stack). */
  WEBHOOK_QUEUE_URL: url,
  /** Failed attempts in a row after which a webhook is turned off. */
  WEBHOOK_DISABLE_AFTER_FAILURES: required(integer(1, 1000, 15)),
  /** How long a receiver has to answer one attempt. */
  WEBHOOK_TIMEOUT_MS: required(integer(100, 30_000, 5_000)),
  /**
   * Trust X-Forwarded-Host: build absolute URLs as https://{X-Forwarded-Host}. Only behind an edge
   * that always overwrites it (our CloudFront function); otherwise a caller picks the links' host.
   */
  APP_ORIGIN_FROM_REQUEST: flag(false),
  LINK_URL_TTL_SECONDS: seconds(300, 10),
  LINK_CACHE_WINDOW_SECONDS: seconds(0),
  /**
   * Resume grace: for this long after a counted download, the same client's hits on that link get
   * a fresh URL without counting (0 = off). Links may set their own (`graceSeconds`).
   */
  LINK_GRACE_SECONDS: required(integer(0, 86_400, 900)),
  /**
   * Deployment link policy (issue 18 §2, ADR 025), enforced on create, PATCH and rotate; links made
   * before keep working (`npm run policy:report` lists them). Unset or false: no such rule.
   * The longest a new link may live, in days: every new link then needs an expiresAt within it.
   */
  LINK_MAX_EXPIRY_DAYS: integer(1, 36_500),
  /** Every new link must set maxDownloads. */
  LINK_REQUIRE_MAX_DOWNLOADS: flag(false),
  /** The largest maxDownloads a link may set. */
  LINK_MAX_DOWNLOADS_CAP: integer(1, 1_000_000),
  /** A link without maxDownloads (unlimited) must have a passphrase. */
  LINK_REQUIRE_PASSPHRASE_WHEN_UNLIMITED: flag(false),
  /** Wrong passphrases on one link that lock it, counted from the first in a window of PASSPHRASE_LOCK_SECONDS. */
  PASSPHRASE_MAX_ATTEMPTS: required(integer(1, 100, 5)),
  PASSPHRASE_LOCK_SECONDS: required(integer(10, 86_400, 900)),
  /**
   * Hot links (ADR 024): how long an instance serves a link that needs no exact per-hit decision
   * from its own copy of the link before reading it again (0 = off: every hit is the store's
   * conditional write). At most 4 s, so a revocation stops every instance within 5 s.
   */
  HOT_LINK_CACHE_MS: required(integer(0, 4_000, 2_000)),
  /** How often an instance writes the hot links' counts it holds (one ADD per link). */
  HOT_LINK_FLUSH_MS: required(integer(100, 10_000, 1_000)),
  /**
   * The key behind "the same client" (a keyed hash of network and User-Agent): every Lambda
   * instance must share it. Unset (tests, `npm start`): one random key per process.
   */
  CLIENT_KEY_SECRET: text(32),
  /**
   * The files through CloudFront (ADR 024): GETs are CloudFront signed URLs on this base
   * (https://{files distribution}), signed with the key pair FILES_CDN_KEY_PAIR_ID whose PEM
   * private key is the string of the Secrets Manager secret FILES_CDN_PRIVATE_KEY_SECRET (read on
   * the first signature). All three or none; none (tests, `npm start`): presigned S3 URLs.
   */
  FILES_CDN_URL: url,
  FILES_CDN_KEY_PAIR_ID: text(8, undefined, /^[A-Z0-9]{8,32}$/),
  FILES_CDN_PRIVATE_KEY_SECRET: text(1),
  /** A CDN URL expires at its window's start + its validity, so a window's hits share one signature. */
  FILES_CDN_SIGNING_WINDOW_SECONDS: seconds(60, 1),
  IMAGE_CACHE_WINDOW_SECONDS: seconds(600, 10),
  DOWNLOAD_URL_TTL_SECONDS: seconds(300, 10),
  UPLOAD_URL_TTL_SECONDS: seconds(300, 10),
  MAX_IMAGE_BYTES: bytes(5 * 1024 * 1024),
  MAX_DELIVERABLE_BYTES: bytes(100 * 1024 * 1024),
  MAX_BODY_BYTES: bytes(64 * 1024),
  /** Files (POST /api/files, ADR 026): the largest accepted, and from which size on it goes multipart. */
  MAX_FILE_BYTES: bytes(5 * 1024 * 1024 * 1024),
  FILE_MULTIPART_THRESHOLD_BYTES: bytes(100 * 1024 * 1024),
  /** The part size the server prefers (S3's 5 MiB minimum at least; larger files get larger parts). */
  FILE_PART_BYTES: required(integer(5 * 1024 * 1024, 5 * 1024 * 1024 * 1024, 16 * 1024 * 1024)),
  /** How long a file's upload URLs (the PUT or every part's) stay valid: a big upload takes a while. */
  FILE_UPLOAD_URL_TTL_SECONDS: required(integer(60, 7 * 86_400, 3600)),
  /** Links one owner may hold to one product that are not revoked (revoking one frees its slot). */
  MAX_ACTIVE_LINKS_PER_PRODUCT: required(integer(1, 100_000, 1_000)),
  /** Link writes a worker has in flight at once while it walks a refund, delete or edit. */
  LINK_JOB_CONCURRENCY: required(integer(1, 256, 16)),
  /** How long an Idempotency-Key's answer is replayed (the IETF draft asks for at least 24 h). */
  IDEMPOTENCY_TTL_HOURS: required(integer(24, 24 * 30, 24)),
  /**
   * How long an API key's previous secret still works after a rotation (ADR 030): long enough for
   * a service to deploy the new one, short enough that a leaked secret dies soon. 0..7 days.
   */
  API_KEY_ROTATION_OVERLAP_SECONDS: required(integer(0, 7 * 86_400, 86_400)),
  /** How long a duplicate waits for the first request with its key before a 409 (then it retries). */
  IDEMPOTENCY_WAIT_MS: required(integer(0, 25_000, 5_000)),
  AWS_TIMEOUT_MS: required(integer(100, 30_000, 2_000)),
  AWS_MAX_ATTEMPTS: required(integer(1, 5, 2)),
  /**
   * Keys that tag tokens (docs/decisions/015-keyed-token-tags.md): `id:secret,id:secret`, ids one
   * base62 character, secrets base64url of 32+ bytes; the first mints, every one verifies. In AWS
   * from the stack's Secrets Manager secret; `npm start` generates one into DATA_DIR.
   */
  TOKEN_KEYS: tokenKeys,
  /** Tokens minted before keyed tags: `listed` (only those on the migration's list) or `refuse`. */
  LEGACY_TOKENS: oneOf(["listed", "refuse"], "listed"),
  /** Per-instance rate limits (docs/decisions/014-rate-limits.md); off only for tests of other things. */
  RATE_LIMITS_ENABLED: flag(true),
  /** Requests per minute (and burst) per client address on /l/*. */
  RATE_LIMIT_LINK_PER_MINUTE: perMinute(120),
  /** Per client address on every /api/* request, before its credential is checked. */
  RATE_LIMIT_ADDRESS_PER_MINUTE: perMinute(600),
  /** Per client address on /api/* without a credential (health, config, the public catalogue). */
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: perMinute(120),
  /** Per user or API key: reads, writes, and what creates stored things (links, uploads, products, keys). */
  RATE_LIMIT_READ_PER_MINUTE: perMinute(600),
  RATE_LIMIT_WRITE_PER_MINUTE: perMinute(120),
  RATE_LIMIT_EXPENSIVE_PER_MINUTE: perMinute(30),
  /** Clients remembered per limit; the least recently seen are forgotten first (bounded memory). */
  RATE_LIMIT_MAX_CLIENTS: required(integer(100, 1_000_000, 10_000)),
  /** How long one /api/health answer is shared by every caller (0 = probe on every request). */
  HEALTH_CACHE_SECONDS: seconds(5),
  /** Where `npm start` keeps the stand-ins' data. */
  DATA_DIR: required(text(1, ".data")),
  LOG_LEVEL: oneOf(["debug", "info", "warn", "error", "silent"], "info"),
  /** The CloudWatch namespace of the EMF metrics (src/metrics/metrics.ts); the stack sets one per stage. */
  METRICS_NAMESPACE: required(text(1, "Evergate", /^[A-Za-z0-9._/#:-]{1,255}$/)),
  /** X-Ray tracing through Powertools Tracer (ADR 029): `on` needs the function's active tracing. */
  TRACING: oneOf(["off", "on"], "off"),
};

export type Config = { [Name in keyof typeof settings]: ReturnType<(typeof settings)[Name]> };

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses the environment (plus overrides from the local launcher) once; a wrong value stops
 * start-up with a message that names each offending variable.
 */
export function loadConfig(overrides: Record<string, string | undefined> = {}): Config {
  const source: Record<string, string | undefined> = { ...process.env, ...overrides };
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(settings)) {
    const raw = source[name];
    try {
      const value = rule(raw === "" ? undefined : raw);
      if (value !== undefined) config[name] = value;
    } catch (error) {
      if (!(error instanceof SettingError)) throw error;
      problems.push(`${name}: ${error.message}`);
    }
  }
  const parsed = config as Config;
  // A URL signed at the start of a window must stay valid well past the window's end.
  if (problems.length === 0 && parsed.LINK_CACHE_WINDOW_SECONDS * 2 > parsed.LINK_URL_TTL_SECONDS) {
    problems.push("LINK_CACHE_WINDOW_SECONDS: must be at most half of LINK_URL_TTL_SECONDS");
  }
  if (problems.length === 0) problems.push(...filesCdnProblems(parsed));
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  return parsed;
}

const filesCdnSettings = ["FILES_CDN_URL", "FILES_CDN_KEY_PAIR_ID", "FILES_CDN_PRIVATE_KEY_SECRET"] as const;

/** The files CDN is all or nothing, and its signing window leaves every URL most of its validity. */
function filesCdnProblems(config: Config): string[] {
  const set = filesCdnSettings.filter((name) => config[name] !== undefined);
  if (set.length === 0) return [];
  if (set.length < filesCdnSettings.length) {
    return [`${filesCdnSettings.join(", ")}: set all three or none (only ${set.join(", ")} is set)`];
  }
  if (!config.FILES_CDN_URL?.startsWith("https://")) return ["FILES_CDN_URL: must be https"];
  // A promo image asks for two image windows from its own window's start: the CDN window may
  // take at most one of them, or an image URL could be born expired.
  const shortest = Math.min(
    config.LINK_URL_TTL_SECONDS,
    config.DOWNLOAD_URL_TTL_SECONDS,
    config.IMAGE_CACHE_WINDOW_SECONDS * 2,
  );
  if (config.FILES_CDN_SIGNING_WINDOW_SECONDS * 2 > shortest) {
    return [
      "FILES_CDN_SIGNING_WINDOW_SECONDS: must be at most half of LINK_URL_TTL_SECONDS and DOWNLOAD_URL_TTL_SECONDS, and at most IMAGE_CACHE_WINDOW_SECONDS",
    ];
  }
  return [];
}

/** The files CDN's settings when all are set (src/aws-deps.ts then signs GETs for CloudFront). */
export function filesCdn(config: Config) {
  const { FILES_CDN_URL: baseUrl, FILES_CDN_KEY_PAIR_ID: keyPairId } = config;
  const privateKeySecret = config.FILES_CDN_PRIVATE_KEY_SECRET;
  if (!baseUrl || !keyPairId || !privateKeySecret) return undefined;
  return {
    baseUrl,
    keyPairId,
    privateKeySecret,
    signingWindowSeconds: config.FILES_CDN_SIGNING_WINDOW_SECONDS,
  };
}

/** The deployment's link policy, from its LINK_* settings (docs/decisions/025-link-policies.md). */
export function linkPolicy(config: Config): LinkPolicy {
  return {
    maxExpiryDays: config.LINK_MAX_EXPIRY_DAYS,
    requireMaxDownloads: config.LINK_REQUIRE_MAX_DOWNLOADS,
    maxDownloadsCap: config.LINK_MAX_DOWNLOADS_CAP,
    requirePassphraseWhenUnlimited: config.LINK_REQUIRE_PASSPHRASE_WHEN_UNLIMITED,
  };
}

/** The OAuth endpoints the webapp uses, from explicit URLs or derived from the Cognito domain. */
export function oauthEndpoints(config: Config) {
  const domain = config.COGNITO_DOMAIN_URL?.replace(/\/$/, "");
  return {
    authorizeUrl: config.COGNITO_AUTHORIZE_URL ?? (domain ? `${domain}/oauth2/authorize` : undefined),
    tokenUrl: config.COGNITO_TOKEN_URL ?? (domain ? `${domain}/oauth2/token` : undefined),
    logoutUrl: config.COGNITO_LOGOUT_URL ?? (domain ? `${domain}/logout` : undefined),
  };
}

/**
 * Credentials for an S3-compatible server `npm start` stores files on (S3_ENDPOINT): read here
 * rather than in Config, so the Lambda role's session keys never sit in the parsed settings.
 */
export function externalS3Credentials(
  source: Record<string, string | undefined> = process.env,
): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = source;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken: source.AWS_SESSION_TOKEN || undefined };
}

/** TOKEN_KEYS when the environment sets it: `npm start` then uses it instead of the key it keeps. */
export function tokenKeysFromEnvironment(source: Record<string, string | undefined> = process.env) {
  return source.TOKEN_KEYS || undefined;
}
