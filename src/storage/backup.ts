import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  DynamoDBClient,
  ScanCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { Credentials } from "#src/aws-deps.ts";
import type { Config } from "#src/config.ts";
import { tableKeys } from "./table-definition.ts";

/**
 * Backup and restore of everything Evergate stores: the table's items and the files bucket's
 * objects, to and from a plain directory (docs/decisions/019-links-outlive-the-deployment.md).
 * For the local stack, small deployments and moving between accounts; in AWS, point-in-time
 * recovery and bucket versioning are the first line (infra/README.md, "Restore").
 *
 *   {dir}/manifest.json    format, when, from where, counts
 *   {dir}/table.jsonl      one item a line, DynamoDB JSON (binary values as {"B64": …})
 *   {dir}/objects.jsonl    one object a line: key, file, size, sha256, content type, metadata
 *   {dir}/objects/{sha256 of the key}
 */
export const BACKUP_FORMAT = "evergate-backup/1";

export interface BackupTarget {
  dynamo: DynamoDBClient;
  s3: S3Client;
  tableName: string;
  bucket: string;
}

export interface BackupCounts {
  items: number;
  objects: number;
  bytes: number;
}

interface Manifest extends BackupCounts {
  format: string;
  createdAt: string;
  tableName: string;
  bucket: string;
}

interface ObjectEntry {
  key: string;
  file: string;
  size: number;
  sha256: string;
  contentType?: string;
  contentDisposition?: string;
  cacheControl?: string;
  metadata?: Record<string, string>;
}

export class BackupError extends Error {
  override name = "BackupError";
}

/** SDK clients for a table and bucket named by the app's own settings (endpoints included). */
export function backupTarget(config: Config, credentials?: Credentials): BackupTarget {
  const common = { region: config.AWS_REGION, credentials, maxAttempts: 5 };
  return {
    dynamo: new DynamoDBClient({ ...common, endpoint: config.DYNAMODB_ENDPOINT }),
    s3: new S3Client({
      ...common,
      endpoint: config.S3_ENDPOINT,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    }),
    tableName: config.TABLE_NAME,
    bucket: config.FILES_BUCKET,
  };
}

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

const toLine = (item: Record<string, AttributeValue>) =>
  JSON.stringify(item, (_key, value) =>
    value instanceof Uint8Array ? { B64: Buffer.from(value).toString("base64") } : value,
  );
const fromLine = (line: string) =>
  JSON.parse(line, (_key, value) =>
    value && typeof value === "object" && typeof value.B64 === "string" && Object.keys(value).length === 1
      ? new Uint8Array(Buffer.from(value.B64, "base64"))
      : value,
  ) as Record<string, AttributeValue>;

async function* scanItems(target: BackupTarget): AsyncGenerator<Record<string, AttributeValue>> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await target.dynamo.send(
      new ScanCommand({ TableName: target.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

async function* listKeys(target: BackupTarget): AsyncGenerator<string> {
  let token: string | undefined;
  do {
    const page = await target.s3.send(
      new ListObjectsV2Command({ Bucket: target.bucket, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Runs job over items, `width` at a time, in order of completion; the first failure stops it. */
async function eachLimited<T>(items: T[], width: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await job(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/** Writes every item and object to dir (created if missing). */
export async function backupTo(target: BackupTarget, dir: string): Promise<BackupCounts> {
  await mkdir(join(dir, "objects"), { recursive: true });
  const items: string[] = [];
  for await (const item of scanItems(target)) items.push(toLine(item));
  const keys: string[] = [];
  for await (const key of listKeys(target)) keys.push(key);

  const entries: ObjectEntry[] = [];
  await eachLimited(keys, 8, async (key) => {
    const object = await target.s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
    const bytes = await object.Body?.transformToByteArray();
    if (!bytes) throw new BackupError(`s3://${target.bucket}/${key} has no body`);
    const file = sha256(key);
    await writeFile(join(dir, "objects", file), bytes);
    entries.push({
      key,
      file,
      size: bytes.length,
      sha256: sha256(bytes),
      contentType: object.ContentType,
      contentDisposition: object.ContentDisposition,
      cacheControl: object.CacheControl,
      metadata: object.Metadata && Object.keys(object.Metadata).length > 0 ? object.Metadata : undefined,
    });
  });
  entries.sort((a, b) => a.key.localeCompare(b.key));

  const counts = {
    items: items.length,
    objects: entries.length,
    bytes: entries.reduce((sum, e) => sum + e.size, 0),
  };
  await writeFile(join(dir, "table.jsonl"), items.map((line) => `${line}\n`).join(""));
  await writeFile(join(dir, "objects.jsonl"), entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""));
  const manifest: Manifest = {
    format: BACKUP_FORMAT,
    createdAt: new Date().toISOString(),
    tableName: target.tableName,
    bucket: target.bucket,
    ...counts,
  };
  // Written last: a backup without a manifest is an interrupted one, and restore refuses it.
  await writeFile(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return counts;
}

/** Whether the table or the bucket holds anything. */
export async function isEmpty(target: BackupTarget): Promise<boolean> {
  const [item] =
    (
      await target.dynamo.send(
        new ScanCommand({ TableName: target.tableName, Limit: 1, ConsistentRead: true }),
      )
    ).Items ?? [];
  if (item) return false;
  const objects = await target.s3.send(new ListObjectsV2Command({ Bucket: target.bucket, MaxKeys: 1 }));
  return (objects.KeyCount ?? 0) === 0;
}

async function batchWrite(target: BackupTarget, requests: WriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending: WriteRequest[] | undefined = requests.slice(i, i + 25);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt === 10) throw new BackupError(`DynamoDB left ${pending.length} writes unprocessed`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const result: BatchWriteItemCommandOutput = await target.dynamo.send(
        new BatchWriteItemCommand({ RequestItems: { [target.tableName]: pending } }),
      );
      pending = result.UnprocessedItems?.[target.tableName];
    }
  }
}

/** Deletes every item of the table and every object of the bucket (current versions). */
export async function wipe(target: BackupTarget): Promise<BackupCounts> {
  const deletes: WriteRequest[] = [];
  for await (const item of scanItems(target)) {
    const { [tableKeys.partitionKey]: pk, [tableKeys.sortKey]: sk } = item;
    if (!pk || !sk) throw new BackupError("An item without the table's keys");
    deletes.push({ DeleteRequest: { Key: { [tableKeys.partitionKey]: pk, [tableKeys.sortKey]: sk } } });
  }
  await batchWrite(target, deletes);
  const keys: string[] = [];
  for await (const key of listKeys(target)) keys.push(key);
  for (let i = 0; i < keys.length; i += 1000) {
    const result = await target.s3.send(
      new DeleteObjectsCommand({
        Bucket: target.bucket,
        Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
      }),
    );
    if (result.Errors?.length) {
      throw new BackupError(
        `S3 refused to delete ${result.Errors.length} objects: ${result.Errors[0]?.Code}`,
      );
    }
  }
  return { items: deletes.length, objects: keys.length, bytes: 0 };
}

/** An object's bytes from the backup, checked against its size and SHA-256. */
async function readObject(dir: string, entry: ObjectEntry): Promise<Buffer> {
  const body = await readFile(join(dir, "objects", entry.file));
  if (body.length !== entry.size || sha256(body) !== entry.sha256) {
    throw new BackupError(`${dir}: the object ${entry.key} is damaged`);
  }
  return body;
}

async function readBackup(dir: string) {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  } catch {
    throw new BackupError(`${dir} holds no complete backup (no manifest.json)`);
  }
  if (manifest.format !== BACKUP_FORMAT) {
    throw new BackupError(`${dir} is in format ${manifest.format}, not ${BACKUP_FORMAT}`);
  }
  const lines = async (file: string) =>
    (await readFile(join(dir, file), "utf8")).split("\n").filter((line) => line.length > 0);
  const items = (await lines("table.jsonl")).map(fromLine);
  const entries = (await lines("objects.jsonl")).map((line) => JSON.parse(line) as ObjectEntry);
  if (items.length !== manifest.items || entries.length !== manifest.objects) {
    throw new BackupError(
      `${dir} is incomplete: ${items.length} items and ${entries.length} objects, the manifest says ${manifest.items} and ${manifest.objects}`,
    );
  }
  // Every object is read and checked before anything is written: a damaged backup changes nothing.
  for (const entry of entries) {
    const body = await readObject(dir, entry).catch(() => undefined);
    if (!body)
      throw new BackupError(`${dir}: the object ${entry.key} is missing or damaged (size or SHA-256 differ)`);
  }
  return { manifest, items, entries };
}

/**
 * Puts a backup back. The target must be empty unless `replace` is set, which wipes it first.
 * The backup is checked whole (counts, every object's SHA-256) before anything is changed.
 */
export async function restoreFrom(
  target: BackupTarget,
  dir: string,
  options: { replace?: boolean } = {},
): Promise<BackupCounts & { wiped?: BackupCounts }> {
  const { manifest, items, entries } = await readBackup(dir);
  let wiped: BackupCounts | undefined;
  if (!(await isEmpty(target))) {
    if (!options.replace) {
      throw new BackupError(
        `${target.tableName} / ${target.bucket} are not empty: restore with --replace to wipe them first`,
      );
    }
    wiped = await wipe(target);
  }
  await batchWrite(
    target,
    items.map((Item) => ({ PutRequest: { Item } })),
  );
  await eachLimited(entries, 8, async (entry) => {
    await target.s3.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: entry.key,
        Body: await readObject(dir, entry),
        ContentType: entry.contentType,
        ContentDisposition: entry.contentDisposition,
        CacheControl: entry.cacheControl,
        Metadata: entry.metadata,
      }),
    );
  });
  return { items: manifest.items, objects: manifest.objects, bytes: manifest.bytes, wiped };
}
