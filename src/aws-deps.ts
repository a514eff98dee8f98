import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AppDeps } from "./app-deps.ts";
import { type Config, filesCdn } from "./config.ts";
import { createHotLinks, linksBesideHotLinks } from "./gateway/hot-links.ts";
import { createRateLimits } from "./http/rate-limits.ts";
import { cognitoUserStatus, userPoolOf } from "./identity/user-status.ts";
import { loadOnce } from "./load-once.ts";
import { jsonLogger, type Logger } from "./logger.ts";
import { type Metrics, noMetrics } from "./metrics/metrics.ts";
import { timedPresign } from "./metrics/timed-presign.ts";
import { legacyTokenList } from "./services/token-check.ts";
import { logClockOffset } from "./storage/clock-offset.ts";
import { cloudFrontFileStorage } from "./storage/cloudfront-files.ts";
import { createDynamoClient } from "./storage/dynamo-client.ts";
import { dynamoStores } from "./storage/dynamo-stores.ts";
import type { FileStorage } from "./storage/ports.ts";
import { s3FileStorage } from "./storage/s3-files.ts";
import { secretsManagerValue } from "./storage/secrets-manager-value.ts";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Builds the SDK clients once (at cold start in Lambda; the S3 client on first use) with timeouts
 * and bounded retries, so a dependency that hangs turns into a quick 503 instead of a hung
 * request. Without explicit credentials the SDK's default provider chain applies (the Lambda role
 * in AWS).
 */
export function awsDeps(
  config: Config,
  options: {
    credentials?: Credentials;
    s3Credentials?: Credentials;
    logger?: Logger;
    /** Where the metrics go: EMF on stdout in Lambda (src/lambda/main.ts), a summary locally; none by default. */
    metrics?: Metrics;
    /** Handed the DynamoDB client as it is built (X-Ray instruments it when TRACING=on). */
    onSdkClient?: (client: object) => void;
    /**
     * The files CDN's PEM private key (FILES_CDN_*): tests and the bench hand one in; by default
     * the string of the FILES_CDN_PRIVATE_KEY_SECRET secret, read on the first signature.
     */
    filesCdnPrivateKey?: () => Promise<string>;
    /** Replaces the HTTP layer of both SDK clients (the bench answers and counts calls in-process). */
    requestHandler?: DynamoDBClientConfig["requestHandler"];
  } = {},
): AppDeps {
  const requestHandler =
    options.requestHandler ??
    new NodeHttpHandler({
      connectionTimeout: config.AWS_TIMEOUT_MS,
      requestTimeout: config.AWS_TIMEOUT_MS,
      // Without it the handler only logs a warning and a hung dependency hangs the request
      throwOnRequestTimeout: true,
    });
  const common = {
    region: config.AWS_REGION,
    credentials: options.credentials,
    maxAttempts: config.AWS_MAX_ATTEMPTS,
    requestHandler,
  };
  const metrics = options.metrics ?? noMetrics;
  const logger = options.logger ?? jsonLogger(config.LOG_LEVEL);
  const dynamo = createDynamoClient({ ...common, endpoint: config.DYNAMODB_ENDPOINT }, metrics);
  logClockOffset(dynamo, logger, "dynamodb");
  options.onSdkClient?.(dynamo);
  const { s3Credentials } = options;
  const issuer = config.COGNITO_ISSUER.replace(/\/$/, "");
  const jwksUri = config.COGNITO_JWKS_URI ?? `${issuer}/.well-known/jwks.json`;
  const userPool = userPoolOf(issuer);
  const verifier = loadOnce(async () =>
    (await import("./identity/access-token-verifier.ts")).cognitoAccessTokenVerifier({
      issuer,
      jwksUri,
      clientId: config.COGNITO_CLIENT_ID,
      timeoutMs: config.AWS_TIMEOUT_MS,
    }),
  );
  const clock = () => new Date();
  // Loaded with the first webhook: a redirect never needs them.
  const queueUrl = config.WEBHOOK_QUEUE_URL;
  const sqsQueue = loadOnce(async () => {
    if (!queueUrl) throw new Error("WEBHOOK_QUEUE_URL is not set: no queue to deliver webhooks through");
    const { sqsWebhookQueue } = await import("./storage/sqs-webhook-queue.ts");
    return sqsWebhookQueue(queueUrl, { ...common }, clock);
  });
  const sender = loadOnce(async () =>
    (await import("./storage/http-webhook-sender.ts")).httpWebhookSender({
      allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    }),
  );
  const tables = dynamoStores(dynamo, config.TABLE_NAME);
  const hotLinks =
    config.HOT_LINK_CACHE_MS > 0
      ? createHotLinks(
          tables.links,
          { cacheMs: config.HOT_LINK_CACHE_MS, flushMs: config.HOT_LINK_FLUSH_MS },
          clock,
          logger,
        )
      : undefined;
  const stores = hotLinks ? { ...tables, links: linksBesideHotLinks(tables.links, hotLinks) } : tables;
  const s3Files = s3FileStorage({
    bucket: config.FILES_BUCKET,
    region: config.AWS_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    responseChecksumValidation: "WHEN_REQUIRED",
    // Without S3's own, the DynamoDB client's provider: the SDK's default chain (the Lambda role),
    // cached and refreshed, with no second chain at cold start.
    credentials: s3Credentials ? async () => s3Credentials : dynamo.config.credentials,
    maxAttempts: config.AWS_MAX_ATTEMPTS,
    requestHandler,
    logger,
  });
  // The files through CloudFront when the deployment configures it (ADR 024); S3 URLs otherwise.
  const cdn = filesCdn(config);
  const files: FileStorage = cdn
    ? cloudFrontFileStorage(s3Files, {
        baseUrl: cdn.baseUrl,
        keyPairId: cdn.keyPairId,
        signingWindowSeconds: cdn.signingWindowSeconds,
        privateKey:
          options.filesCdnPrivateKey ??
          secretsManagerValue(cdn.privateKeySecret, { ...common, credentials: dynamo.config.credentials }),
      })
    : s3Files;
  return {
    config,
    stores,
    webhookQueue: { enqueue: async (job, delaySeconds) => (await sqsQueue()).enqueue(job, delaySeconds) },
    sendWebhook: async (url, headers, body) => (await sender())(url, headers, body),
    files: timedPresign(metrics, files),
    // aws-jwt-verify loads with the first token to check: redirects never need it.
    verifyAccessToken: async (token) => (await verifier())(token),
    isUserActive: cognitoUserStatus({
      userPoolId: userPool.userPoolId,
      cacheSeconds: config.USER_STATUS_CACHE_SECONDS,
      clientConfig: {
        ...common,
        region: userPool.region ?? config.AWS_REGION,
        endpoint: config.COGNITO_ENDPOINT,
      },
    }),
    pingIdentity: async () => {
      const response = await fetch(jwksUri, { signal: AbortSignal.timeout(config.AWS_TIMEOUT_MS) });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
    },
    // The table's stream starts the worker when a job item is written (infra/constructs/link-jobs.ts).
    linkJobs: { started: () => {} },
    clock,
    ...(hotLinks ? { hotLinks } : {}),
    rateLimits: createRateLimits(config),
    logger,
    metrics,
    legacyTokens: legacyTokenList(stores.legacyTokens, logger),
  };
}
