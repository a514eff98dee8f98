import type { AccessEvent, HitOutcome, LinkHit } from "#src/domain/access-event.ts";
import type { ApiKey, ApiKeyRotation } from "#src/domain/api-key.ts";
import type { DownloadHit, GraceSlot, PassphraseLock } from "#src/domain/download-hit.ts";
import type { FileRecord } from "#src/domain/file.ts";
import type { IdempotencyRecord, StoredAnswer } from "#src/domain/idempotency.ts";
import type { Link, LinkChanges, LinkTarget } from "#src/domain/link.ts";
import type { LinkJob } from "#src/domain/link-job.ts";
import type { Order, Product } from "#src/domain/product.ts";
import type { Upload } from "#src/domain/upload.ts";
import type { Webhook, WebhookEventType } from "#src/domain/webhook.ts";

/** The interfaces the routes and services depend on; DynamoDB and S3 adapters implement them. */
export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * The hits one instance served from its copy of a hot link (ADR 024), written as one ADD. The
 * instance numbers its flushes of a link (`sequence`, growing); a flush is retried with the same
 * number until the store answers, and the store applies each number once, so a retry after a lost
 * answer never counts twice.
 */
export interface HitFlush {
  /** The serving instance, random per process: its flush numbers are kept on the link. */
  instance: string;
  /** Greater than every earlier flush of this link by this instance (epoch ms, made unique). */
  sequence: number;
  /** Downloads served since the last flush (≥ 1). */
  count: number;
  /** The last of them, as the access log keeps it (`lastHit`, with `count`). */
  lastHit: LinkHit & { count: number };
  /** Other instances' flush numbers seen on the link that are old enough to forget (bounded item). */
  forget?: string[];
}

/** applied: counted now; duplicate: this flush was applied before (a retry); gone: no such link. */
export type FlushResult =
  | { outcome: "applied" | "duplicate"; link: Link; flushes: Record<string, number> }
  | { outcome: "gone" };

export type HitResult =
  | { counted: true; link: Link }
  | { counted: false; link: Link | null; slot: GraceSlot | undefined };

export interface PutLinkOptions {
  /**
   * The link's externalId is unique among its owner's links: taken atomically with the link
   * ("externalIdTaken" when another holds it), except from this link (a rotation hands it over).
   */
  externalIdFrom?: string;
}

export interface LinkStore {
  /**
   * Stores a new link if its owner holds fewer than `maxActive` links to the product that are not
   * revoked (atomically, under any concurrency); false when the owner is at that limit,
   * "externalIdTaken" when another of the owner's links holds its externalId (no slot is kept).
   */
  put(link: Link, maxActive: number, options?: PutLinkOptions): Promise<boolean | "externalIdTaken">;
  get(id: string): Promise<Link | null>;
  /** The owner's link that holds this externalId (revoked or not), or null. */
  getByExternalId(ownerId: string, externalId: string): Promise<Link | null>;
  /**
   * Walks the owner's links newest first, starting after `after` (a `<createdAt>#<id>` position),
   * looking at `budget` links at most and keeping those `match` accepts, `limit` at most. `next`
   * is where to resume; absent when the walk reached the owner's oldest link. Bounded whatever
   * the owner holds: a page may come back short, or empty, with a `next`.
   */
  scanOwnerLinks(
    ownerId: string,
    request: { limit: number; budget: number; after?: string },
    match: (link: Link) => boolean,
  ): Promise<{ items: Link[]; next?: string }>;
  /**
   * One conditional write per download hit (the rule: src/gateway/decide-hit.ts `countsOn`).
   * Counted: the link after counting. Refused: the link and the hit's grace slot as they were
   * (null when there is no such link), read in the same round trip. A counted hit also sets
   * `lastHit` in that write (the table's stream turns it into an access event; ADR 021).
   */
  hit(id: string, hit: DownloadHit): Promise<HitResult>;
  /**
   * Records a refused hit on a known link (`lastRefusal`): a refused conditional write leaves no
   * stream record, so the refusal path writes once more. At most one per link per second; false
   * when this one was not written (too soon after the last, or no such link).
   */
  recordRefusal(id: string, hit: LinkHit): Promise<boolean>;
  /**
   * Adds a hot link's flushed hits (ADR 024): one write, applied once per (instance, sequence)
   * whatever the retries. Counts even on a revoked or expired link (they were served before).
   */
  flushHits(id: string, flush: HitFlush): Promise<FlushResult>;
  /**
   * Counts a passphrase attempt before it is hashed: at most `lock.maxAttempts` per window of
   * `lock.windowSeconds` from the first, each atomically. `counted` false: every attempt of the
   * window is used (the link is locked). A counted hit with the right passphrase clears the count.
   * Null when there is no such link.
   */
  countPassphraseAttempt(
    id: string,
    now: Date,
    lock: PassphraseLock,
  ): Promise<{ counted: boolean; fails: number; since: number } | null>;
  /** Forgets the clients a device limit bound, so the next ones may use the link; null when revoked or gone. */
  resetClients(id: string): Promise<Link | null>;
  listByOwner(ownerId: string, page: PageRequest): Promise<Page<Link>>;
  listByProduct(productId: string, page: PageRequest): Promise<Page<Link>>;
  /**
   * One page of the ids of a product's links that are not revoked (or of one owner's), read
   * strongly consistently: the writes that end an entitlement must see a link created a moment
   * before. Revoked links are not in it, so a walk never meets them again.
   */
  pageActiveIds(productId: string, ownerId: string | undefined, page: PageRequest): Promise<Page<string>>;
  /** Applies changes to a link that is not revoked; null when it is revoked or gone. */
  update(id: string, changes: LinkChanges): Promise<Link | null>;
  /**
   * Revokes once and frees the owner's slot; revoking again keeps the first revocation (and frees
   * a slot still held). Null when the link does not exist. `rotated`: the revocation is a
   * rotation's (stored as `rotated`, the access log's `rotated` event instead of `revoked`).
   */
  revoke(id: string, revokedBy: string, now: Date, rotated?: boolean): Promise<Link | null>;
  /** revoke() for many links at once (concurrently, with one slot update per owner). */
  revokeMany(ids: string[], revokedBy: string, now: Date): Promise<void>;
  /** Points a link that is not revoked at a product's new deliverable and title (else a no-op). */
  retarget(id: string, target: LinkTarget): Promise<void>;
  /** Every link in the store, in no order: an operator's full scan (the policy report), never a request's. */
  eachLink(): AsyncIterable<Link>;
  /**
   * One bounded step of a walk over every link in the store, in no order (the admin report's
   * route): reads `budget` items of the store at most, starting after `after` (a position from an
   * earlier step), and keeps the links `match` accepts, `limit` at most. `next` is where to
   * resume; absent when the walk reached the end. A step may come back short, or empty, with a
   * `next`: its cost is bounded whatever the store holds.
   */
  scanLinks(
    request: { limit: number; budget: number; after?: string },
    match: (link: Link) => boolean,
  ): Promise<{ items: Link[]; next?: string }>;
}

/** Durable link jobs (src/services/link-jobs.ts) and the lease that keeps two workers apart. */
export interface LinkJobStore {
  /** Stores a new job; the sweeper takes it up at `dueAt` if no worker has by then. */
  create(job: LinkJob, dueAt: string): Promise<void>;
  get(id: string): Promise<LinkJob | null>;
  /** Takes the job until `leaseUntil` unless another worker holds it; null when held or gone. */
  claim(id: string, now: Date, leaseUntil: string): Promise<LinkJob | null>;
  /** Records where the walk is and holds the job until `leaseUntil` (now: free for anyone). */
  progress(id: string, cursor: string | undefined, leaseUntil: string): Promise<void>;
  finish(id: string): Promise<void>;
  /** Jobs whose lease or start grace has run out, oldest first. */
  listDue(now: Date, limit: number): Promise<string[]>;
}

export interface EventQuery {
  limit: number;
  cursor?: string;
  outcome?: HitOutcome;
}

/** The access log: events derived from the table's stream, kept for EVENT_RETENTION_DAYS. */
export interface EventStore {
  /** Writes the event once: a stream record delivered again writes nothing new. */
  put(event: AccessEvent, expiresAt: Date): Promise<void>;
  /** A link's events, newest first. */
  listByLink(linkId: string, query: EventQuery): Promise<Page<AccessEvent>>;
  /** A link's or a product's events at or after `since`, newest first, at most `max` of them. */
  since(scope: { linkId: string } | { productId: string }, since: Date, max: number): Promise<AccessEvent[]>;
}

export interface ProductStore {
  create(product: Product): Promise<void>;
  get(id: string): Promise<Product | null>;
  /** Writes the product if its stored version is still `expectedVersion`; false on a conflict. */
  replace(product: Product, expectedVersion: number): Promise<boolean>;
  delete(id: string): Promise<void>;
  listRecent(page: PageRequest): Promise<Page<Product>>;
  listByAuthor(authorId: string, page: PageRequest): Promise<Page<Product>>;
}

export interface OrderStore {
  /** Creates the order, or reactivates a refunded one; "exists" when an active order is already there. */
  place(order: Order): Promise<"created" | "exists">;
  get(productId: string, buyerId: string): Promise<Order | null>;
  listByBuyer(buyerId: string, page: PageRequest): Promise<Page<Order>>;
  listBySeller(sellerId: string, page: PageRequest): Promise<Page<Order>>;
  markRefunded(productId: string, buyerId: string, now: Date): Promise<Order | null>;
}

export interface ApiKeyStore {
  put(key: ApiKey): Promise<void>;
  get(id: string): Promise<ApiKey | null>;
  listByOwner(ownerId: string, page: PageRequest): Promise<Page<ApiKey>>;
  revoke(id: string, now: Date): Promise<ApiKey | null>;
  touch(id: string, now: Date): Promise<void>;
  /**
   * The key a secret's hash leads to: the key stored under it (its first secret) or the one a
   * rotation's pointer names; null for neither. Whether that secret still opens it is
   * apiKeyAccepts()'s to say.
   */
  findBySecret(secretHash: string): Promise<ApiKey | null>;
  /**
   * Gives the key its new secret if `rotation.previousSecretHash` is still its current one and it
   * is not revoked (else null, nothing changed); the secret before that one stops leading to it.
   */
  rotate(id: string, rotation: ApiKeyRotation): Promise<ApiKey | null>;
}

/** An object that may become garbage: deleted when due unless its product still points at it. */
export interface ObjectCleanup {
  key: string;
  productId?: string;
  dueAt: string;
}

export interface UploadStore {
  put(upload: Upload): Promise<void>;
  get(id: string): Promise<Upload | null>;
  /** Marks the caller's unclaimed, unexpired upload as claimed; null when that is not possible. */
  claim(id: string, ownerId: string, claim: NonNullable<Upload["claim"]>, now: Date): Promise<Upload | null>;
  delete(id: string): Promise<void>;
  scheduleCleanup(cleanup: ObjectCleanup): Promise<void>;
  cancelCleanup(key: string): Promise<void>;
  /** Uploads and scheduled object deletions whose time has come, oldest first. */
  listDue(now: Date, limit: number): Promise<{ uploads: Upload[]; cleanups: ObjectCleanup[] }>;
}

/** The files callers upload to link to (docs/decisions/026-files-and-file-links.md). */
export interface FileStore {
  /** Stores a new file; a second put with its id resolves and keeps the first. */
  put(file: FileRecord): Promise<void>;
  get(id: string): Promise<FileRecord | null>;
  /** An owner's files, newest first. */
  listByOwner(ownerId: string, page: PageRequest): Promise<Page<FileRecord>>;
  /** Marks the owner's pending file ready, once; null when it is not pending (or not theirs, or gone). */
  markReady(id: string, ownerId: string, now: Date): Promise<FileRecord | null>;
  delete(id: string): Promise<void>;
}

export interface ObjectInfo {
  size: number;
  contentType: string | undefined;
}

export interface PresignedGetOptions {
  expiresInSeconds: number;
  /** Sign as of this time (the caching mode rounds it down so repeated hits share a URL). */
  signedAt?: Date;
  /** Pinned as `response-cache-control`: what was stored with the object never reaches the client. */
  cacheControl: string;
  /** Saved under this name (`attachment`); without it the file is shown (`inline`). Both are pinned. */
  downloadFilename?: string;
}

export interface CopyOptions {
  /** The only metadata the copy keeps: everything stored with the source object is replaced. */
  contentType: string;
}

export interface FileStorage {
  presignGet(key: string, options: PresignedGetOptions): Promise<string>;
  presignPut(
    key: string,
    options: { contentType: string; size: number; expiresInSeconds: number },
  ): Promise<{ url: string; headers: Record<string, string> }>;
  head(key: string): Promise<ObjectInfo | null>;
  readStart(key: string, bytes: number): Promise<Uint8Array>;
  copy(fromKey: string, toKey: string, options: CopyOptions): Promise<void>;
  delete(key: string): Promise<void>;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  ping(): Promise<void>;
  /** Starts a multipart upload; the object will have exactly this content type and no other metadata. */
  createMultipartUpload(key: string, options: { contentType: string }): Promise<string>;
  /** A presigned UploadPart whose signature pins the part's exact size. */
  presignUploadPart(
    key: string,
    uploadId: string,
    part: { partNumber: number; size: number; expiresInSeconds: number },
  ): Promise<string>;
  /**
   * Assembles the parts; a part S3 does not know (wrong ETag, never uploaded), parts out of order,
   * a part too small, or an upload that no longer exists is a MultipartRefusedError.
   */
  completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
  ): Promise<void>;
  /** Ends the upload and frees its parts; an upload already gone is no error. */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
}

/** S3 refused to assemble a multipart upload for a reason the caller can fix (or start again). */
export class MultipartRefusedError extends Error {
  override name = "MultipartRefusedError";
  constructor(readonly s3Code: string) {
    super(`S3 refused to complete the multipart upload: ${s3Code}`);
  }
}

/**
 * The closed list of tokens issued before keyed tags (docs/decisions/015-keyed-token-tags.md):
 * 8-byte prefixes of the stored ids of every link and API key, sorted.
 */
export interface LegacyTokenListStore {
  /** The list, or null when it was never built. */
  load(): Promise<BigUint64Array | null>;
  /** Scans the table for every link and API key and writes the list anew; answers its size. */
  rebuild(): Promise<number>;
}

/** One try to deliver one event to one webhook. */
export interface DeliveryAttempt {
  at: string;
  /** The receiver's HTTP status; absent when no answer came (refused, timeout, blocked address). */
  status?: number;
  latencyMs: number;
  error?: string;
}

export interface Delivery {
  /** Starts with its creation time, so a webhook's deliveries sort newest first. */
  id: string;
  webhookId: string;
  /** The Standard Webhooks `webhook-id`: the same on every attempt, so receivers de-duplicate. */
  messageId: string;
  eventType: WebhookEventType | "webhook.ping";
  createdAt: string;
  /** The JSON body, exactly as signed. */
  payload: string;
  state: "pending" | "delivered" | "failed";
  attempts: DeliveryAttempt[];
  nextAttemptAt?: string;
}

export interface WebhookChanges {
  url?: string;
  eventTypes?: WebhookEventType[];
  enabled?: boolean;
}

export interface WebhookStore {
  put(webhook: Webhook): Promise<void>;
  get(id: string): Promise<Webhook | null>;
  listByOwner(ownerId: string, page: PageRequest): Promise<Page<Webhook>>;
  /** Every webhook of an owner (the fan-out's read; owners have few). */
  allOfOwner(ownerId: string): Promise<Webhook[]>;
  update(id: string, changes: WebhookChanges): Promise<Webhook | null>;
  setSecrets(id: string, secrets: Webhook["secrets"]): Promise<Webhook | null>;
  delete(id: string): Promise<void>;
  /** A success: the failure streak starts again. */
  recordSuccess(id: string): Promise<void>;
  /** A failure: the streak grows; at `disableAfter` the webhook is turned off. Answers the webhook after. */
  recordFailure(id: string, disableAfter: number): Promise<Webhook | null>;
  /** Writes a delivery once (a redelivered stream record finds it there: false). */
  createDelivery(delivery: Delivery, expiresAt: Date): Promise<boolean>;
  getDelivery(webhookId: string, deliveryId: string): Promise<Delivery | null>;
  saveDelivery(delivery: Delivery): Promise<void>;
  listDeliveries(webhookId: string, page: PageRequest): Promise<Page<Delivery>>;
}

export type IdempotencyClaim = { claimed: true } | { claimed: false; record: IdempotencyRecord };

/** Idempotency-Key records (src/http/idempotency.ts), one per caller and key, kept until `expiresAt`. */
export interface IdempotencyStore {
  /**
   * Takes the key for one request (`lockedBy`), atomically: when no record holds it, or the one
   * there has expired, or it is a lock left past `lockedUntil` by a request with the same
   * fingerprint (one that died). Otherwise answers the record that holds it.
   */
  claim(record: IdempotencyRecord & { lockedBy: string }, now: Date): Promise<IdempotencyClaim>;
  /** Stores the answer while `lockedBy` still holds the key; false when it no longer does. */
  complete(scope: string, key: string, lockedBy: string, answer: StoredAnswer): Promise<boolean>;
  /** Gives the key up if `lockedBy` holds it (its request failed): the next try runs anew. */
  release(scope: string, key: string, lockedBy: string): Promise<void>;
}

export interface Stores {
  links: LinkStore;
  products: ProductStore;
  orders: OrderStore;
  apiKeys: ApiKeyStore;
  uploads: UploadStore;
  files: FileStore;
  linkJobs: LinkJobStore;
  legacyTokens: LegacyTokenListStore;
  events: EventStore;
  webhooks: WebhookStore;
  idempotency: IdempotencyStore;
  ping(): Promise<void>;
}
