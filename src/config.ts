import { z } from "zod";

const booleanFromString = z
  .enum(["true", "false", "1", "0"])
  .transform((value) => value === "true" || value === "1");

const seconds = (max: number) => z.coerce.number().int().min(0).max(max);

/** Every setting Evergate reads, with local defaults. Only this module reads process.env. */
const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  AWS_REGION: z.string().min(1).default("us-east-1"),
  TABLE_NAME: z.string().min(3).default("evergate"),
  FILES_BUCKET: z.string().min(3).default("evergate-files"),
  DYNAMODB_ENDPOINT: z.url().optional(),
  S3_ENDPOINT: z.url().optional(),
  S3_FORCE_PATH_STYLE: booleanFromString.default(false),
  COGNITO_ISSUER: z.url(),
  COGNITO_JWKS_URI: z.url().optional(),
  COGNITO_CLIENT_ID: z.string().min(1),
  COGNITO_DOMAIN_URL: z.url().optional(),
  COGNITO_AUTHORIZE_URL: z.url().optional(),
  COGNITO_TOKEN_URL: z.url().optional(),
  COGNITO_LOGOUT_URL: z.url().optional(),
  PUBLIC_BASE_URL: z.url().optional(),
  /** Behind CloudFront with origin access control, the edge moves the viewer's Authorization here. */
  AUTHORIZATION_HEADER: z
    .string()
    .regex(/^[a-z0-9-]+$/, "must be a lower-case header name")
    .default("authorization"),
  /** Build absolute URLs as https://{X-Forwarded-Host} (set by our CloudFront function). */
  APP_ORIGIN_FROM_REQUEST: booleanFromString.default(false),
  LINK_URL_TTL_SECONDS: seconds(3600).min(10).default(300),
  LINK_CACHE_WINDOW_SECONDS: seconds(3600).default(0),
  IMAGE_CACHE_WINDOW_SECONDS: seconds(3600).min(10).default(600),
  DOWNLOAD_URL_TTL_SECONDS: seconds(3600).min(10).default(300),
  UPLOAD_URL_TTL_SECONDS: seconds(3600).min(10).default(300),
  MAX_IMAGE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  MAX_DELIVERABLE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * 1024 * 1024),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  AWS_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2_000),
  AWS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(5).default(2),
  /** Where `npm start` keeps the stand-ins' data. */
  DATA_DIR: z.string().min(1).default(".data"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses the environment (plus overrides from the local launcher) once; a wrong value stops
 * start-up with a message that names each offending variable.
 */
export function loadConfig(overrides: Record<string, string | undefined> = {}): Config {
  const source = { ...process.env, ...overrides };
  const parsed = configSchema.safeParse(
    Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== "")),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  // A URL signed at the start of a window must stay valid well past the window's end.
  if (parsed.data.LINK_CACHE_WINDOW_SECONDS * 2 > parsed.data.LINK_URL_TTL_SECONDS) {
    throw new ConfigError(
      "Invalid configuration:\n  LINK_CACHE_WINDOW_SECONDS: must be at most half of LINK_URL_TTL_SECONDS",
    );
  }
  return parsed.data;
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

/** Environment variables a test or launcher may want to read without touching process.env. */
export function readEnv(name: string): string | undefined {
  return process.env[name];
}
