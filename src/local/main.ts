import { mkdir, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { S3Client } from "@aws-sdk/client-s3";
import { type Config, externalS3Credentials, loadConfig } from "#src/config.ts";
import { newTokenKeyEntry } from "#src/domain/token.ts";
import { buildWebapp } from "./build-webapp.ts";
import { demoUsers, type ExternalS3, startLocalEvergate } from "./local-evergate.ts";
import { ensureBucket } from "./provision.ts";

/**
 * `npm start`: the whole Evergate on this machine, no AWS account. `-- --fresh` wipes .data/.
 * Stops every stand-in cleanly on Ctrl-C or SIGTERM.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));
const started = performance.now();

/**
 * With S3_ENDPOINT set, files go to that S3-compatible server (or real S3) instead of the embedded
 * stand-in: FILES_BUCKET is created if missing and gets the webapp's CORS rule.
 */
async function externalS3FromEnv(config: Config): Promise<ExternalS3 | undefined> {
  if (!config.S3_ENDPOINT) return undefined;
  const credentials = externalS3Credentials();
  if (!credentials) {
    throw new Error("S3_ENDPOINT is set: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for it too");
  }
  const external: ExternalS3 = {
    endpoint: config.S3_ENDPOINT,
    bucket: config.FILES_BUCKET,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    region: config.AWS_REGION,
    credentials,
  };
  const s3 = new S3Client({ ...external, requestChecksumCalculation: "WHEN_REQUIRED" });
  try {
    const origins = [`http://localhost:${config.PORT}`, `http://127.0.0.1:${config.PORT}`];
    await ensureBucket(s3, external.bucket, origins);
  } finally {
    s3.destroy();
  }
  return external;
}

/** What other local commands (token, backup, restore) need to reach the running stack. */
function localStackState(evergate: Awaited<ReturnType<typeof startLocalEvergate>>) {
  const { stack, config } = evergate;
  return {
    url: evergate.url,
    pid: process.pid,
    cognito: stack.cognito,
    region: stack.region,
    dynamoEndpoint: stack.dynamoEndpoint,
    tableName: stack.tableName,
    s3Endpoint: config.S3_ENDPOINT ?? stack.s3Endpoint,
    bucket: config.FILES_BUCKET,
    s3ForcePathStyle: config.S3_FORCE_PATH_STYLE,
    /** Files are on S3_ENDPOINT (credentials from the environment), not the embedded stand-in. */
    s3External: config.S3_ENDPOINT !== stack.s3Endpoint,
  };
}

async function main() {
  // The stand-ins' own settings are filled in once they run; these two are placeholders until then.
  const config = loadConfig({
    COGNITO_ISSUER: "http://unused.invalid",
    COGNITO_CLIENT_ID: "unused",
    TOKEN_KEYS: newTokenKeyEntry(),
  });
  const { PORT: port, DATA_DIR } = config;
  const dataDir = resolve(root, DATA_DIR);
  if (process.argv.includes("--fresh")) await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  await buildWebapp(`${dataDir}/webapp`);
  const evergate = await startLocalEvergate({
    port,
    dataDir,
    seed: true,
    webappDir: `${dataDir}/webapp`,
    externalS3: await externalS3FromEnv(config),
    // A local stack needs a local receiver (http, loopback); a deployment never sets this (ADR 022).
    configOverrides: { WEBHOOK_ALLOW_LOOPBACK: "true" },
  });
  await writeFile(`${dataDir}/local-stack.json`, `${JSON.stringify(localStackState(evergate), null, 2)}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping Evergate…`);
    await evergate.stop().catch((error) => console.error(error));
    await rm(`${dataDir}/local-stack.json`, { force: true });
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(
    [
      "",
      `Evergate is ready in ${seconds}s at ${evergate.url}`,
      "",
      `  webapp      ${evergate.url}/`,
      `  API         ${evergate.url}/api/health`,
      `  links       ${evergate.url}/l/{token}`,
      "",
      "  Demo logins:",
      ...demoUsers.map((user) => `    ${user.username} / ${user.password}`),
      "",
      "  A token for curl:  npm run -s token -- user1",
      "  Data lives in .data/ (npm start -- --fresh wipes it). Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
}

main().catch((error) => {
  console.error(`Evergate could not start: ${(error as Error).message}`);
  process.exit(1);
});
