import type { Config } from "./config.ts";
import type { HotLinks } from "./gateway/hot-links.ts";
import type { RateLimits } from "./http/rate-limits.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics/metrics.ts";
import type { FileStorage, Stores } from "./storage/ports.ts";

/** A user an access token speaks for, once its signature, issuer, audience and expiry are checked. */
export interface VerifiedUser {
  userId: string;
  username: string;
  /** The Cognito groups the token names (`cognito:groups`); signed with it, so it cannot be forged. */
  groups?: readonly string[];
}

export type AccessTokenVerifier = (token: string) => Promise<VerifiedUser>;

/** True while the user (a Cognito `sub`) exists and is enabled. */
export type UserStatusCheck = (userId: string) => Promise<boolean>;

/**
 * Starts the worker for a link job that was just stored (src/services/link-jobs.ts). In AWS the
 * table's stream starts it, so this does nothing there; locally the worker runs in-process.
 */
export interface LinkJobStarter {
  started(jobId: string): void;
}

/** One webhook delivery waiting for its next attempt. */
export interface DeliveryJob {
  webhookId: string;
  deliveryId: string;
  /** A manual redelivery: one attempt, no retries after it. */
  manual?: boolean;
}

/**
 * Where deliveries wait for their next attempt: SQS with delays in AWS, an in-process timer
 * queue locally — the same schedule either way (src/domain/webhook.ts).
 */
export interface WebhookQueue {
  enqueue(job: DeliveryJob, delaySeconds: number): Promise<void>;
}

export interface WebhookResponse {
  /** Absent when no HTTP answer came (refused, timed out, blocked address). */
  status?: number;
  latencyMs: number;
  error?: string;
}

/** POSTs one signed delivery, connecting only to an address it has checked (no SSRF). */
export type WebhookSender = (
  url: string,
  headers: Record<string, string>,
  body: string,
) => Promise<WebhookResponse>;

/** Everything the app needs from the outside world; tests and the local stack build it the same way. */
/** Whether a legacy token's stored id is on the list of tokens issued before keyed tags. */
export interface LegacyTokenList {
  /** True when listed, or when no list was built yet (then every legacy token costs its lookup). */
  mayContain(storedId: string): Promise<boolean>;
}

export interface AppDeps {
  config: Config;
  stores: Stores;
  files: FileStorage;
  verifyAccessToken: AccessTokenVerifier;
  /** Whether a user (Cognito sub) still exists and is enabled; disabled users are locked out. */
  isUserActive: UserStatusCheck;
  /** Resolves when the identity provider's JWKS answers. */
  pingIdentity: () => Promise<void>;
  linkJobs: LinkJobStarter;
  webhookQueue: WebhookQueue;
  sendWebhook: WebhookSender;
  clock: () => Date;
  /** The closed list of tokens issued before keyed tags, loaded on the first one seen. */
  legacyTokens: LegacyTokenList;
  /**
   * This instance's copies of hot links and their pending counts (src/gateway/hot-links.ts,
   * ADR 024); absent when HOT_LINK_CACHE_MS is 0: every hit is the store's conditional write.
   */
  hotLinks?: HotLinks;
  /** Per-client request budgets, one set per process, shared by Hono and the Lambda's /l/ path. */
  rateLimits: RateLimits;
  logger: Logger;
  /** EMF lines in AWS, a summary locally: the same names (src/metrics/metrics.ts). */
  metrics: Metrics;
}
