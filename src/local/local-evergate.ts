import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import { createApp } from "#src/app.ts";
import type { AppDeps } from "#src/app-deps.ts";
import { awsDeps, type Credentials } from "#src/aws-deps.ts";
import { type Config, loadConfig, tokenKeysFromEnvironment } from "#src/config.ts";
import { newTokenKeyEntry } from "#src/domain/token.ts";
import { webappCsp } from "#src/http/webapp-headers.ts";
import { createStreamHandler } from "#src/lambda/stream.ts";
import { errorFields } from "#src/logger.ts";
import { inProcessLinkJobs, runDueLinkJobs } from "#src/services/link-jobs.ts";
import { sweepGarbage } from "#src/services/products.ts";
import { attemptDelivery } from "#src/services/webhook-delivery.ts";
import { closeServer } from "./close-server.ts";
import {
  type LocalWebhookQueue,
  localWebhookQueue,
  realScheduler,
  type Scheduler,
} from "./local-webhook-queue.ts";
import { type MetricsSummary, metricsSummary } from "./metrics-summary.ts";
import { seedDemoData } from "./seed.ts";
import { type LocalStack, startLocalStack } from "./stack.ts";
import { staticWebapp } from "./static-webapp.ts";
import { pollStream, type StreamPoller } from "./stream-poller.ts";

export const demoUsers = [
  { username: "user1", password: "Password.1" },
  { username: "user2", password: "Password.2" },
  // A member of the Cognito group admin: the admin routes (GET /api/admin/links-out-of-policy).
  { username: "admin", password: "Password.3", groups: ["admin"] },
] as const;

/** An S3-compatible server to use instead of the embedded one (the strict tier, or real S3). */
export interface ExternalS3 {
  endpoint: string;
  credentials: Credentials;
  bucket: string;
  forcePathStyle: boolean;
  /** Its signing region (real S3); the stand-ins' region otherwise. */
  region?: string;
}

export interface LocalEvergateOptions {
  port: number;
  host?: string;
  /** Persist under this directory; undefined = in memory and a temp dir. */
  dataDir?: string;
  seed?: boolean;
  /** Directory of the built webapp to serve at the root, if any. */
  webappDir?: string;
  externalS3?: ExternalS3;
  configOverrides?: Record<string, string>;
  /** Extra browser origins allowed to call S3 (CORS) besides the app's own. */
  extraOrigins?: string[];
  /** When webhook retries run and what time it is for them (tests pass a clock they move). */
  scheduler?: Scheduler;
  /** The files CDN's private key, when configOverrides set FILES_CDN_* (tests: no Secrets Manager). */
  filesCdnPrivateKey?: () => Promise<string>;
}

export interface LocalEvergate {
  url: string;
  /** TOKEN_KEYS as configured (the built Lambda in tests needs the same keys). */
  tokenKeys: string;
  port: number;
  stack: LocalStack;
  deps: AppDeps;
  config: Config;
  /** The numbers the AWS alarms watch, from the access log; summarised in the log once a minute. */
  /** The metrics the Lambda writes as EMF, aggregated here (src/local/metrics-summary.ts). */
  metrics: MetricsSummary;
  /** Resolves when every link job started so far has finished (refunds, deletes, edits). */
  linkJobsSettled(): Promise<void>;
  /** The table's stream consumer, fed by the stand-in's stream as Lambda is by DynamoDB Streams. */
  streamConsumer: StreamPoller;
  /** The in-process webhook delivery queue (SQS in AWS), on the same retry schedule. */
  webhookQueue: LocalWebhookQueue;
  stop(): Promise<void>;
}

/**
 * The server key that tags tokens, kept in the data dir so links survive restarts (0600: it is a
 * secret); a fresh one per run without a data dir (tests).
 */
async function localTokenKeys(dataDir: string | undefined): Promise<string> {
  if (!dataDir) return newTokenKeyEntry();
  const file = join(dataDir, "token-keys");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const keys = newTokenKeyEntry();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${keys}\n`, { mode: 0o600, flag: "wx" });
  return keys;
}

/** Binds first, so a taken port fails fast and before any stand-in starts. */
async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * The whole local Evergate: stand-ins, provisioning, the app (the same createApp as in Lambda) on
 * an HTTP server, optionally the webapp, demo data and the cleanup sweeper.
 */
export async function startLocalEvergate(options: LocalEvergateOptions): Promise<LocalEvergate> {
  // env carries node's socket: the client address (src/http/client-address.ts) is its peer.
  let handler: (request: Request, env: unknown) => Response | Promise<Response> = () =>
    new Response("Starting…", { status: 503, headers: { "Retry-After": "1" } });
  const server = createServer(getRequestListener((request, env) => handler(request, env)));
  const host = options.host ?? "127.0.0.1";
  let port: number;
  try {
    port = await listen(server, options.port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new Error(
        `Port ${options.port} is already in use. Stop whatever uses it, or set PORT to another port.`,
      );
    }
    throw error;
  }
  const displayHost = host === "127.0.0.1" || host === "0.0.0.0" ? "localhost" : host;
  const url = `http://${displayHost}:${port}`;
  const origins = [url, `http://127.0.0.1:${port}`, ...(options.extraOrigins ?? [])];

  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      dataDir: options.dataDir,
      allowedOrigins: origins,
      callbackUrls: origins.map((origin) => `${origin}/callback`),
      logoutUrls: origins.map((origin) => `${origin}/`),
      users: [...demoUsers],
    });
  } catch (error) {
    await closeServer(server);
    throw error;
  }

  const s3 = options.externalS3;
  const tokenKeys =
    options.configOverrides?.TOKEN_KEYS ??
    tokenKeysFromEnvironment() ??
    (await localTokenKeys(options.dataDir));
  const config = loadConfig({
    TOKEN_KEYS: tokenKeys,
    PORT: String(port),
    // The stand-in S3 takes only its buckets' region, as real S3 does (src/local/s3-stand-in.ts).
    AWS_REGION: s3?.region ?? stack.region,
    TABLE_NAME: stack.tableName,
    DYNAMODB_ENDPOINT: stack.dynamoEndpoint,
    S3_ENDPOINT: s3?.endpoint ?? stack.s3Endpoint,
    FILES_BUCKET: s3?.bucket ?? stack.bucket,
    S3_FORCE_PATH_STYLE: String(s3?.forcePathStyle ?? true),
    COGNITO_ISSUER: stack.cognito.issuer,
    COGNITO_JWKS_URI: stack.cognito.jwksUri,
    COGNITO_CLIENT_ID: stack.cognito.clientId,
    COGNITO_ENDPOINT: stack.cognito.endpoint,
    COGNITO_AUTHORIZE_URL: stack.cognito.authorizeUrl,
    COGNITO_TOKEN_URL: stack.cognito.tokenUrl,
    ...options.configOverrides,
  });
  const metrics = metricsSummary();
  // The link-job worker runs in this process, started as soon as a job is stored (ADR 013).
  const linkJobs = inProcessLinkJobs(() => deps);
  const scheduler = options.scheduler ?? realScheduler;
  const webhookQueue = localWebhookQueue(scheduler);
  const deps: AppDeps = {
    ...awsDeps(config, {
      credentials: stack.credentials,
      s3Credentials: s3?.credentials,
      metrics,
      filesCdnPrivateKey: options.filesCdnPrivateKey,
    }),
    linkJobs,
    webhookQueue,
    clock: () => scheduler.now(),
  };
  webhookQueue.start((job) =>
    attemptDelivery(deps, job).catch((error) =>
      deps.logger.warn("webhook attempt failed to run", { webhookId: job.webhookId, ...errorFields(error) }),
    ),
  );
  const app = createApp(deps);
  // Started before anything writes, so the seed's links have their "created" events too.
  const streamConsumer = pollStream(stack.dynamoStream, createStreamHandler(deps), {
    onFailure: (records, reason) =>
      deps.logger.warn("stream records given up on (the DLQ in AWS)", { count: records.length, reason }),
  });
  // The migration of ADR 015, run where it is cheap: a data dir from before keyed tags gets the
  // list of its tokens on first start, after which the set is closed (new tokens are keyed).
  if ((await deps.stores.legacyTokens.load()) === null) await deps.stores.legacyTokens.rebuild();

  if (options.seed) {
    const ids = Object.fromEntries(
      await Promise.all(
        demoUsers.map(async (user) => {
          const { accessToken } = await stack.login(user.username, user.password);
          return [user.username, await deps.verifyAccessToken(accessToken)] as const;
        }),
      ),
    ) as unknown as Record<"user1" | "user2", { userId: string }>;
    await seedDemoData(deps, ids);
  }

  const webapp = options.webappDir
    ? staticWebapp(
        options.webappDir,
        webappCsp({
          s3: new URL(config.S3_ENDPOINT ?? stack.s3Endpoint).origin,
          identity: new URL(stack.cognito.endpoint).origin,
        }),
      )
    : undefined;
  handler = (request, env) => {
    const path = new URL(request.url).pathname;
    if (!webapp || path.startsWith("/api/") || path.startsWith("/l/") || path === "/api")
      return app.fetch(request, env);
    return webapp(request);
  };

  // The sweeper: pending uploads that were never used, objects no product points at any more, and
  // link jobs whose worker died (the safety net; a job normally finishes within seconds).
  const sweeper = setInterval(() => {
    sweepGarbage(deps).catch((error) => deps.logger.warn("sweep failed", errorFields(error)));
    runDueLinkJobs(deps).catch((error) => deps.logger.warn("link jobs failed", errorFields(error)));
  }, 60_000);
  sweeper.unref();
  const stopSummaries = metrics.start(deps.logger, 60_000);
  // DynamoDB's TTL, which the stand-in has from src/local/dynamo-stand-in.ts: expired events go.
  const ttl = setInterval(() => {
    stack.expireItems().catch((error) => deps.logger.warn("TTL pass failed", errorFields(error)));
  }, 60_000);
  ttl.unref();
  // Hot links' counts (ADR 024): written when due on the next hit, and by this timer when the
  // hits stop; whatever is left when the server stops is written before the stand-ins go.
  const { hotLinks } = deps;
  const hotFlusher = hotLinks ? setInterval(() => hotLinks.flushDue(), config.HOT_LINK_FLUSH_MS) : undefined;
  hotFlusher?.unref();

  let stopping: Promise<void> | undefined;
  return {
    url,
    tokenKeys,
    port,
    stack,
    deps,
    config,
    metrics,
    streamConsumer,
    linkJobsSettled: () => linkJobs.settled(),
    webhookQueue,
    stop: () => {
      stopping ??= (async () => {
        clearInterval(sweeper);
        clearInterval(ttl);
        stopSummaries();
        await closeServer(server, 500);
        clearInterval(hotFlusher);
        await hotLinks?.flushAll();
        // A job still walking would only meet stopped stand-ins; it resumes at the next start.
        await Promise.race([linkJobs.settled(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
        await streamConsumer.stop();
        await webhookQueue.stop();
        await stack.stop();
      })();
      return stopping;
    },
  };
}
