import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Config, loadConfig } from "#src/config.ts";
import { newTokenKeyEntry } from "#src/domain/token.ts";
import { s3StandInCredentials } from "#src/local/s3-stand-in.ts";
import { type BackupTarget, backupTarget, backupTo, restoreFrom } from "#src/storage/backup.ts";

/**
 * npm run backup  -- <dir> --local|--aws
 * npm run restore -- <dir> --local|--aws [--replace]
 *
 * --local: the running `npm start` (found through DATA_DIR/local-stack.json).
 * --aws:   TABLE_NAME, FILES_BUCKET, AWS_REGION (and any endpoints) from the environment, with the
 *          SDK's default credentials: an operator's, not the Lambda role's (it may not Scan).
 * The runbook: infra/README.md, "Backup and restore"; the format: src/storage/backup.ts.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const [command, dir, ...flags] = process.argv.slice(2);
const usage =
  "usage: npm run backup -- <dir> --local|--aws    npm run restore -- <dir> --local|--aws [--replace]";

interface LocalState {
  pid: number;
  region: string;
  dynamoEndpoint: string;
  tableName: string;
  s3Endpoint: string;
  bucket: string;
  s3ForcePathStyle: boolean;
  s3External: boolean;
}

async function localTarget(config: Config): Promise<BackupTarget> {
  let state: LocalState;
  try {
    state = JSON.parse(await readFile(resolve(root, config.DATA_DIR, "local-stack.json"), "utf8"));
    process.kill(state.pid, 0);
  } catch {
    throw new Error("The local stack is not running. Start it with `npm start` first.");
  }
  const dynamo = backupTarget(
    loadConfig({
      ...placeholders,
      AWS_REGION: state.region,
      TABLE_NAME: state.tableName,
      DYNAMODB_ENDPOINT: state.dynamoEndpoint,
    }),
    s3StandInCredentials,
  );
  const s3 = backupTarget(
    loadConfig({
      ...placeholders,
      AWS_REGION: state.region,
      S3_ENDPOINT: state.s3Endpoint,
      FILES_BUCKET: state.bucket,
      S3_FORCE_PATH_STYLE: String(state.s3ForcePathStyle),
    }),
    state.s3External ? undefined : s3StandInCredentials,
  );
  return { dynamo: dynamo.dynamo, tableName: dynamo.tableName, s3: s3.s3, bucket: s3.bucket };
}

/** Settings a backup never uses but the config requires (it mints no token, checks no login). */
const placeholders = {
  COGNITO_ISSUER: "http://unused.invalid",
  COGNITO_CLIENT_ID: "unused",
  TOKEN_KEYS: newTokenKeyEntry("z"),
};

async function main() {
  const local = flags.includes("--local");
  if (!dir || (command !== "backup" && command !== "restore") || local === flags.includes("--aws")) {
    throw new Error(usage);
  }
  const config = loadConfig(placeholders);
  // The local defaults are never a stack's names (evergate-{stage}, evergate-{stage}-files-…).
  if (!local && (config.TABLE_NAME === "evergate" || config.FILES_BUCKET === "evergate-files")) {
    throw new Error(
      "--aws needs TABLE_NAME and FILES_BUCKET (the stack's TableName and FilesBucketName outputs)",
    );
  }
  const target = local ? await localTarget(config) : backupTarget(config);
  const where = `${target.tableName} + s3://${target.bucket}`;
  try {
    if (command === "backup") {
      const counts = await backupTo(target, resolve(dir));
      console.error(
        `Backed up ${where} to ${dir}: ${counts.items} items, ${counts.objects} objects (${counts.bytes} bytes)`,
      );
    } else {
      const counts = await restoreFrom(target, resolve(dir), { replace: flags.includes("--replace") });
      const wiped = counts.wiped
        ? ` after wiping ${counts.wiped.items} items and ${counts.wiped.objects} objects`
        : "";
      console.error(
        `Restored ${dir} into ${where}${wiped}: ${counts.items} items, ${counts.objects} objects (${counts.bytes} bytes)`,
      );
    }
  } finally {
    target.dynamo.destroy();
    target.s3.destroy();
  }
}

main().catch((error) => {
  console.error(`${command ?? "backup"} failed: ${(error as Error).message}`);
  process.exit(1);
});
