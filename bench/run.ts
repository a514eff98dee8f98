/**
 * `npm run bench`: the scenarios of issue 9, in one run, each printed with its ratio to its
 * baseline and written to bench/results.json. Not part of `npm test`; see bench/README.md.
 */
import { execFile, spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import {
  DynamoDBClient,
  type DynamoDBClientConfig,
  UpdateItemCommand as SdkUpdateItemCommand,
  type UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import autocannon from "autocannon";
import { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import { attachmentDisposition } from "#src/domain/content-disposition.ts";
import { DELIVERABLE_CACHE_CONTROL } from "#src/domain/served-file.ts";
import { hashToken, mintToken, newTokenKeyEntry, parseTokenKeys } from "#src/domain/token.ts";
import { type S3FileStorageSettings, s3ClientConfig, s3FileStorage } from "#src/storage/s3-files.ts";
import { createGetObjectPresigner } from "#src/storage/sigv4-presigner.ts";
import { buildLambda, bytesByPackage, coldStartFiles } from "../scripts/build.ts";
import { type FunctionUrlResult, functionUrlEvent } from "../test/lambda/function-url-event.ts";
import { cannedAws } from "./canned-aws.ts";
import { compareCpu, median, pairedCpu } from "./cpu.ts";
import { filesCdnCost } from "./files-cdn.ts";
import { floorPresigner } from "./floor-presigner.ts";
import { measureRevocation, simulateWrites } from "./hot-link.ts";
import type { MetricsSink } from "./lambda-entry.ts";
import { writeResults } from "./results-file.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const quick = process.argv.includes("--quick");
/**
 * `--only=presign,cdn,redirect,cold,throughput,observability,hot` runs a subset while iterating; its
 * keys replace those in bench/results.json and every other key stays as it was measured
 * (`measuredAt` says when each one was).
 */
const only = process.argv
  .find((arg) => arg.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const wanted = (name: string) => !only || only.includes(name);
const results: Record<string, unknown> = {};
const log = (line = "") => process.stdout.write(`${line}\n`);
const fmt = (value: number, digits = 1) => value.toFixed(digits);

/** Production-shaped configuration: AWS endpoints (never reached), role-style session credentials. */
const lambdaEnv: Record<string, string> = {
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "ASIABENCHEXAMPLE0001",
  AWS_SECRET_ACCESS_KEY: "bench/secret/0123456789abcdefghijklmnopqrst",
  AWS_SESSION_TOKEN: "IQoJb3JpZ2luX2VjEBench//SessionToken+With/Slashes==",
  TABLE_NAME: "evergate",
  FILES_BUCKET: "evergate-files-bench",
  COGNITO_ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Bench0001",
  COGNITO_CLIENT_ID: "benchclientid0001",
  CLIENT_KEY_SECRET: "bench-client-key-secret-0123456789abcdef",
  LOG_LEVEL: "info",
  TOKEN_KEYS: newTokenKeyEntry("b"),
  // One event source address for every request: the limiter runs (its cost is measured) but never refuses
  RATE_LIMIT_LINK_PER_MINUTE: "1000000",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
Object.assign(process.env, lambdaEnv);

type LambdaHandler = (event: unknown, context?: unknown) => Promise<FunctionUrlResult>;

async function buildBundles() {
  const started = performance.now();
  const realDir = join(tmpdir(), `evergate-bench-lambda-${process.pid}`);
  const benchDir = join(tmpdir(), `evergate-bench-entry-${process.pid}`);
  const [real, bench] = await Promise.all([
    buildLambda(realDir),
    buildLambda(benchDir, { entryPoint: join(here, "lambda-entry.ts") }),
  ]);
  log(`built the Lambda bundle and its bench twin in ${fmt((performance.now() - started) / 1000)} s`);
  return { real, realDir, benchDir, bench };
}

// ---------------------------------------------------------------------------------------------
// 1. Presign cost
// ---------------------------------------------------------------------------------------------
async function presignScenario(floor: ReturnType<typeof floorPresigner>) {
  const bucket = lambdaEnv.FILES_BUCKET as string;
  const credentials = {
    accessKeyId: lambdaEnv.AWS_ACCESS_KEY_ID as string,
    secretAccessKey: lambdaEnv.AWS_SECRET_ACCESS_KEY as string,
    sessionToken: lambdaEnv.AWS_SESSION_TOKEN,
  };
  // As src/deps.ts wires it: the presigner and the S3 client from the same settings.
  const settings: S3FileStorageSettings = {
    bucket,
    region: lambdaEnv.AWS_REGION as string,
    forcePathStyle: false,
    responseChecksumValidation: "WHEN_REQUIRED",
    credentials: async () => credentials,
  };
  const client = new S3Client(s3ClientConfig(settings));
  const key = "deliverables/prd_bench0000000000000000/v3/field recordings vol 2 (final).zip";
  const filename = "Field recordings vol. 2 – final.zip";
  const disposition = attachmentDisposition(filename);
  const signedAt = new Date("2025-06-01T12:34:56.789Z");
  const presigner = createGetObjectPresigner(bucket, settings);
  const files = s3FileStorage(settings);
  const options = {
    expiresInSeconds: 300,
    signedAt,
    responseCacheControl: DELIVERABLE_CACHE_CONTROL,
    responseContentDisposition: disposition,
  };
  const sdk = () =>
    getSignedUrl(
      client,
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ResponseCacheControl: DELIVERABLE_CACHE_CONTROL,
        ResponseContentDisposition: disposition,
      }),
      {
        expiresIn: 300,
        signingDate: signedAt,
      },
    );
  // The floor signs without the session token, as in the issue's measurement; compare it on its own.
  const [ours, theirs, viaStorage] = await Promise.all([
    presigner.presign(key, options),
    sdk(),
    files.presignGet(key, {
      expiresInSeconds: 300,
      signedAt,
      cacheControl: DELIVERABLE_CACHE_CONTROL,
      downloadFilename: filename,
    }),
  ]);
  if (ours !== theirs || viaStorage !== theirs) throw new Error(`presigned URLs differ:\n${ours}\n${theirs}`);
  const floorUrl = floor(key, 300, signedAt, disposition, DELIVERABLE_CACHE_CONTROL);
  if (
    floorUrl !==
    (await createGetObjectPresigner(bucket, {
      ...settings,
      credentials: async () => ({ ...credentials, sessionToken: undefined }),
    }).presign(key, options))
  ) {
    throw new Error("the floor presigner disagrees with the project's presigner");
  }
  const us = await compareCpu(
    {
      floor: () => floor(key, 300, signedAt, disposition, DELIVERABLE_CACHE_CONTROL),
      ours: () => presigner.presign(key, options),
      presignGet: () =>
        files.presignGet(key, {
          expiresInSeconds: 300,
          signedAt,
          cacheControl: DELIVERABLE_CACHE_CONTROL,
          downloadFilename: filename,
        }),
      sdk,
    },
    { rounds: quick ? 3 : 9, iterations: quick ? 300 : 1500, warmup: 500 },
  );
  log("\n1. Presign cost (CPU µs per URL, median of interleaved rounds; URLs byte-identical)");
  log(`   floor (hand-written, key cached)      ${fmt(us.floor).padStart(7)}  1.0×`);
  log(
    `   createGetObjectPresigner               ${fmt(us.ours).padStart(7)}  ${fmt(us.ours / us.floor, 2)}× floor  (goal ≤ 2×)`,
  );
  log(
    `   FileStorage.presignGet (+ disposition) ${fmt(us.presignGet).padStart(7)}  ${fmt(us.presignGet / us.floor, 2)}× floor`,
  );
  log(
    `   getSignedUrl (SDK)                     ${fmt(us.sdk).padStart(7)}  ${fmt(us.sdk / us.floor, 2)}× floor`,
  );
  results.presign = {
    usPerOp: us.ours,
    presignGetUsPerOp: us.presignGet,
    floorUsPerOp: us.floor,
    sdkUsPerOp: us.sdk,
    ratioToFloor: us.ours / us.floor,
    ratioToSdk: us.ours / us.sdk,
    identicalToSdk: true,
  };
}

// ---------------------------------------------------------------------------------------------
// 1b. The files CDN's signing (ADR 024): CloudFront signed URLs instead of presigned S3 ones
// ---------------------------------------------------------------------------------------------
async function filesCdnScenario() {
  const files = s3FileStorage({
    bucket: lambdaEnv.FILES_BUCKET as string,
    region: lambdaEnv.AWS_REGION as string,
    forcePathStyle: false,
    responseChecksumValidation: "WHEN_REQUIRED",
    credentials: async () => ({
      accessKeyId: lambdaEnv.AWS_ACCESS_KEY_ID as string,
      secretAccessKey: lambdaEnv.AWS_SECRET_ACCESS_KEY as string,
      sessionToken: lambdaEnv.AWS_SESSION_TOKEN,
    }),
  });
  const us = await filesCdnCost(files, quick);
  // A hot file at 10,000 hits/s over 20 instances: each signs once per 60 s window, 500 hits/s each.
  const perHitAtHotRate = (us.cdnFirstSign + (500 * 60 - 1) * us.cdnReused) / (500 * 60);
  log("\n1b. Files CDN signing (CPU µs per URL; CloudFront canned policy, RSA 2048, 60 s signing window)");
  log(`   first hit on a file in a window (signs)   ${fmt(us.cdnFirstSign).padStart(8)}`);
  log(`   every later hit in the window (reused)    ${fmt(us.cdnReused).padStart(8)}`);
  log(`   an instance's first, with the key's parse ${fmt(us.firstSignWithKeyLoadUs).padStart(8)}`);
  log(`   the S3 presign of the same GET            ${fmt(us.s3PresignGet).padStart(8)}`);
  log(`   per hit, one hot file at 500 hits/s per instance ${fmt(perHitAtHotRate, 2)}`);
  results.filesCdn = {
    firstSignUs: us.cdnFirstSign,
    reusedUs: us.cdnReused,
    firstSignWithKeyLoadUs: us.firstSignWithKeyLoadUs,
    s3PresignGetUs: us.s3PresignGet,
    perHitAtHotRateUs: perHitAtHotRate,
    signingWindowSeconds: 60,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Redirect CPU and 3. round trips, inside the built bundle
// ---------------------------------------------------------------------------------------------
const REDIRECT_CPU_PROCESSES = 5;

/**
 * Round trips in this process; the CPU comparison in fresh processes, each its own interleaved
 * rounds, reported as the median over processes: one process's JIT and memory layout can move
 * every figure by 10-15 %.
 */
async function redirectScenarios(benchDir: string) {
  await withQuietAccessLog(async () => {
    const { bundle, aws, token } = await loadBench(benchDir);
    await roundTripsInBundle(bundle, aws, token);
  });
  const run = promisify(execFile);
  const perProcess: RedirectCpu[] = [];
  for (let i = 0; i < (quick ? 1 : REDIRECT_CPU_PROCESSES); i++) {
    const args = ["--import", "tsx", fileURLToPath(import.meta.url), `--redirect-cpu=${benchDir}`];
    const { stdout } = await run(process.execPath, quick ? [...args, "--quick"] : args, {
      env: { ...process.env },
      maxBuffer: 1 << 20,
    });
    perProcess.push(JSON.parse(stdout.trim().split("\n").pop() as string) as RedirectCpu);
  }
  const us = Object.fromEntries(
    (Object.keys(perProcess[0] as RedirectCpu) as Array<keyof RedirectCpu>).map((name) => [
      name,
      median(perProcess.map((sample) => sample[name])),
    ]),
  ) as RedirectCpu;
  // Ratios are taken within each process (same conditions on both sides), then the median.
  const partsOf = (sample: RedirectCpu) => sample.bare + sample.updateItem + sample.presignFloor;
  const ratio = (of: (sample: RedirectCpu) => number) =>
    median(perProcess.map((sample) => sample.redirect / of(sample)));
  const ratios = {
    toParts: ratio(partsOf),
    toBare: ratio((sample) => sample.bare),
    toPartsInOne: ratio((sample) => sample.partsInOne),
    toNaive: ratio((sample) => sample.naive),
  };
  log(
    `\n2. Redirect CPU (µs per GET /l/{token} through the built bundle's handler, function URL event; median of ${perProcess.length} processes)`,
  );
  log(`   (a) bare Hono 302 via hono/aws-lambda   ${fmt(us.bare).padStart(7)}`);
  log(`   (b) UpdateItem, cheapest client config  ${fmt(us.updateItem).padStart(7)}`);
  log(`   (c) presign floor                       ${fmt(us.presignFloor).padStart(7)}`);
  log(`   a + b + c                               ${fmt(partsOf(us)).padStart(7)}`);
  log(`   a, b and c run as one operation         ${fmt(us.partsInOne).padStart(7)}`);
  log(
    `   redirect                                ${fmt(us.redirect).padStart(7)}  ${fmt(ratios.toParts, 2)}× (a+b+c) (goal ≤ 1.2×), ${fmt(ratios.toBare, 1)}× (a), ${fmt(ratios.toPartsInOne, 2)}× (a, b, c as one)`,
  );
  log(
    `   naive Hono + SDK UpdateItem + getSignedUrl + 302 ${fmt(us.naive).padStart(7)}  → redirect / naive ${fmt(ratios.toNaive, 3)} (goal ≤ 0.5)`,
  );
  log(
    `   per process: redirect / a + b + c = ${perProcess.map((sample) => `${fmt(sample.redirect)} / ${fmt(partsOf(sample))}`).join(", ")}`,
  );
  results.redirectCpu = {
    usPerOp: us.redirect,
    bareUs: us.bare,
    updateItemUs: us.updateItem,
    presignFloorUs: us.presignFloor,
    ratioToParts: ratios.toParts,
    ratioToBare: ratios.toBare,
    partsInOneUs: us.partsInOne,
    ratioToPartsInOne: ratios.toPartsInOne,
    naiveUs: us.naive,
    naiveRatio: ratios.toNaive,
    processes: perProcess.length,
    perProcess,
  };
  hotLink.naiveRatio = ratios.toNaive;
}

/** What bench/lambda-entry.ts exports from the built bundle. */
interface BenchBundle {
  createHandler: (requestHandler: unknown, sink?: MetricsSink) => LambdaHandler;
  createDynamoClient: (config: DynamoDBClientConfig) => DynamoDBClient;
  UpdateItemCommand: typeof UpdateItemCommand;
}

type RedirectCpu = Record<
  "redirect" | "bare" | "updateItem" | "presignFloor" | "partsInOne" | "naive",
  number
>;

/**
 * What a user of these packages would write first (issue 20's `naiveRatio`): Hono on
 * hono/aws-lambda, the SDK's DynamoDBClient as constructed by default, one UpdateItem that counts,
 * getSignedUrl, a 302. Built here, on the same canned AWS, measured in the same processes.
 */
function naiveGateway(aws: ReturnType<typeof cannedAws>) {
  const credentials = { accessKeyId: "ASIABENCH", secretAccessKey: "secret", sessionToken: "token" };
  const dynamo = new DynamoDBClient({
    region: lambdaEnv.AWS_REGION,
    credentials,
    requestHandler: aws as never,
  });
  const s3 = new S3Client({ region: lambdaEnv.AWS_REGION, credentials, requestHandler: aws as never });
  const app = new Hono().get("/l/:token", async (c) => {
    const id = hashToken(c.req.param("token"));
    const counted = await dynamo.send(
      new SdkUpdateItemCommand({
        TableName: "evergate",
        Key: { pk: { S: `LINK#${id}` }, sk: { S: "LINK" } },
        UpdateExpression: "SET downloadCount = downloadCount + :one, lastDownloadAt = :now",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
        ExpressionAttributeValues: { ":one": { N: "1" }, ":now": { S: new Date().toISOString() } },
        ReturnValues: "ALL_NEW",
      }),
    );
    const key = counted.Attributes?.objectKey?.S ?? "";
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: lambdaEnv.FILES_BUCKET, Key: key }), {
      expiresIn: 300,
    });
    return c.redirect(url, 302);
  });
  return handle(app);
}

async function loadBench(benchDir: string) {
  const benchKeys = parseTokenKeys(lambdaEnv.TOKEN_KEYS ?? "");
  const { token } = mintToken("link", benchKeys);
  limitedToken = mintToken("link", benchKeys).token;
  const aws = cannedAws(hashToken(token), hashToken(limitedToken));
  const bundle = (await import(pathToFileURL(join(benchDir, "index.mjs")).href)) as BenchBundle;
  return { bundle, aws, token };
}

/** The access log writes a JSON line per request: keep the work, drop the terminal noise. */
async function withQuietAccessLog<T>(work: () => Promise<T>): Promise<T> {
  const consoleLog = console.log;
  console.log = () => {};
  try {
    return await work();
  } finally {
    console.log = consoleLog;
  }
}

/** A link with a download limit (see cannedAws): the confirm page and its POST. */
let limitedToken = "";
const browser = {
  "user-agent":
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
};

async function roundTripsInBundle(bundle: BenchBundle, aws: ReturnType<typeof cannedAws>, token: string) {
  // A cold instance: its first hit on a link reads the link (one GetItem, ADR 024).
  aws.reset();
  const handler = bundle.createHandler(aws);
  const first = await handler(functionUrlEvent("GET", `/l/${token}`), {});
  if (first.statusCode !== 302 || !first.headers?.location?.includes("X-Amz-Signature=")) {
    throw new Error(`the bundle did not redirect: ${JSON.stringify(first)}`);
  }
  const cold = {
    dynamodb: aws.counts.dynamodb,
    s3: aws.counts.s3,
    flushes: aws.counts.flushes,
    operations: [...aws.counts.operations],
  };
  log(`\n3. Round trips per request (SDK calls counted at the clients' request handler)`);
  log(
    `   cold instance, first hit on a hot link → ${first.statusCode}: DynamoDB ${cold.dynamodb}, S3 ${cold.s3}  (${cold.operations.join(", ")}; the flush of that first hit is due at once)`,
  );
  if (
    !cold.operations.includes("dynamodb:GetItem") ||
    cold.operations.filter((o) => o === "dynamodb:GetItem").length !== 1
  )
    throw new Error("a cold instance must read the link exactly once");
  // The limited link's first hit reads it too; from then on its hits are the conditional write.
  await handler(functionUrlEvent("GET", `/l/${limitedToken}`, { headers: browser }), {});
  // 3. Round trips per hot route, counted at the clients' request handler.
  const routes: Array<[string, string, string, number, Record<string, string>?]> = [
    ["redirect", "GET", `/l/${token}`, 302],
    ["browserRedirect", "GET", `/l/${token}`, 302, browser],
    ["confirmPage", "GET", `/l/${limitedToken}`, 200, browser],
    ["confirm", "POST", `/l/${limitedToken}`, 200, browser],
    ["malformed", "GET", "/l/evg_not-a-token", 404],
    // Well-formed, tagged under the same key id with a key the server does not have
    ["forged", "GET", `/l/${mintToken("link", parseTokenKeys(newTokenKeyEntry("b"))).token}`, 404],
    ["head", "HEAD", `/l/${token}`, 200],
    [
      "preview",
      "GET",
      `/l/${token}`,
      200,
      { "user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" },
    ],
    ["products", "GET", "/api/products?limit=1", 200],
  ];
  const roundTrips: Record<string, { dynamodb: number; s3: number; flushes: number; status: number }> = {};
  for (const [name, method, path, expected, headers] of routes) {
    aws.reset();
    const result = await handler(functionUrlEvent(method, path, { headers }), {});
    if (result.statusCode !== expected)
      throw new Error(`${name}: ${method} ${path}: ${result.statusCode}, expected ${expected}`);
    roundTrips[name] = {
      dynamodb: aws.counts.dynamodb,
      s3: aws.counts.s3,
      flushes: aws.counts.flushes,
      status: result.statusCode,
    };
    process.stdout.write(
      `   ${name.padEnd(16)} ${`${method} ${path.replace(token, "{token}").replace(limitedToken, "{limited}")}`.padEnd(30)} → ${result.statusCode}: DynamoDB ${aws.counts.dynamodb}, S3 ${aws.counts.s3}  (${aws.counts.operations.join(", ") || "none"})\n`,
    );
  }
  // A hot link from a warm instance's copy: no call (its flush, once a second, is not due here).
  for (const name of ["redirect", "browserRedirect", "head", "preview"]) {
    if (roundTrips[name]?.dynamodb !== 0 || roundTrips[name]?.s3 !== 0)
      throw new Error(`${name}: a hot link from a warm copy must cost no DynamoDB or S3 call`);
  }
  // A limited link: the one conditional write per hit, unchanged.
  for (const name of ["confirmPage", "confirm"]) {
    if (roundTrips[name]?.dynamodb !== 1 || roundTrips[name]?.s3 !== 0)
      throw new Error(`${name}: a limited link must cost 1 DynamoDB call and 0 S3 calls`);
  }
  results.roundTripsCold = cold;
  if (roundTrips.malformed?.dynamodb !== 0 || roundTrips.malformed.s3 !== 0)
    throw new Error("a malformed token must cost nothing");
  if (roundTrips.forged?.dynamodb !== 0 || roundTrips.forged.s3 !== 0)
    throw new Error("a forged token must cost nothing");
  results.roundTrips = roundTrips;
}

/** 2. Redirect CPU vs the floors of its parts, in this process (run by a child, see above). */
async function redirectCpuInBundle(benchDir: string): Promise<RedirectCpu> {
  const { bundle, aws, token } = await loadBench(benchDir);
  const linkId = hashToken(token);
  const floor = benchFloorPresigner();
  const handler = bundle.createHandler(aws);
  const redirectEvent = functionUrlEvent("GET", `/l/${token}`);
  const bare = handle(
    new Hono().get("/l/:token", (c) => c.redirect("https://example.com/f?X-Amz-Signature=0", 302)),
  );
  const bareEvent = functionUrlEvent("GET", `/l/${token}`);
  // (b): the same SDK copy (the bundle's) in the same configuration the app uses, which is the
  // cheapest we know: middleware cached per command, one SigV4 signer (src/storage/dynamo-client.ts).
  const dynamo = bundle.createDynamoClient({
    region: lambdaEnv.AWS_REGION,
    credentials: { accessKeyId: "ASIABENCH", secretAccessKey: "secret", sessionToken: "token" },
    requestHandler: aws as never,
  });
  const updateItem = () =>
    dynamo.send(
      new bundle.UpdateItemCommand({
        TableName: "evergate",
        Key: { pk: { S: `LINK#${linkId}` }, sk: { S: "LINK" } },
        UpdateExpression: "SET downloadCount = downloadCount + :one, lastDownloadAt = :now",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(revokedAt)",
        ExpressionAttributeValues: { ":one": { N: "1" }, ":now": { S: new Date().toISOString() } },
        ReturnValues: "ALL_NEW",
      }),
    );
  const signedAt = new Date();
  const disposition = attachmentDisposition("Field recordings vol. 2 – final.zip");
  const key = "deliverables/prd_bench0000000000000000/v3/field recordings vol 2 (final).zip";
  const naive = naiveGateway(aws);
  const naiveEvent = functionUrlEvent("GET", `/l/${token}`);
  const naiveFirst = (await naive(naiveEvent as never)) as {
    statusCode: number;
    headers?: Record<string, string>;
  };
  if (naiveFirst.statusCode !== 302 || !naiveFirst.headers?.location?.includes("X-Amz-Signature="))
    throw new Error(`the naive gateway did not redirect: ${JSON.stringify(naiveFirst)}`);
  return withQuietAccessLog(() =>
    compareCpu(
      {
        redirect: () => handler(redirectEvent, {}),
        bare: () => bare(bareEvent as never),
        updateItem,
        presignFloor: () => floor(key, 300, signedAt, disposition, DELIVERABLE_CACHE_CONTROL),
        // The three floors as one operation: what any gateway doing all three pays at least.
        partsInOne: async () => {
          await updateItem();
          floor(key, 300, signedAt, disposition, DELIVERABLE_CACHE_CONTROL);
          return bare(bareEvent as never);
        },
        naive: () => naive(naiveEvent as never),
      },
      { rounds: quick ? 3 : 9, iterations: quick ? 200 : 800, warmup: 300 },
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// 4. Throughput and tail latency
// ---------------------------------------------------------------------------------------------
async function startServer(mode: "evergate" | "bare") {
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "serve.ts"), mode], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LOG_LEVEL: "silent" },
  });
  const ready = await new Promise<{ port: number; token?: string }>((resolve, reject) => {
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split("\n").find((candidate) => candidate.startsWith("{"));
      if (line) resolve(JSON.parse(line));
    });
    child.once("exit", (code) => reject(new Error(`bench server (${mode}) exited with ${code}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { ...ready, stop };
}

async function load(url: string, seconds: number) {
  const result = await autocannon({ url, duration: seconds, connections: 10, followRedirect: false });
  const ok = result["2xx"] + result["3xx"];
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx3xx: result.requests.total - ok,
    errors: result.errors + result.timeouts,
  };
}

async function throughputScenario() {
  const seconds = quick ? 3 : 10;
  const bare = await startServer("bare");
  let bareResult: Awaited<ReturnType<typeof load>>;
  try {
    bareResult = await load(`http://127.0.0.1:${bare.port}/l/evg_x`, seconds);
  } finally {
    await bare.stop();
  }
  const evergate = await startServer("evergate");
  let redirect: Awaited<ReturnType<typeof load>>;
  let products: Awaited<ReturnType<typeof load>>;
  try {
    redirect = await load(`http://127.0.0.1:${evergate.port}/l/${evergate.token}`, seconds);
    products = await load(`http://127.0.0.1:${evergate.port}/api/products`, seconds);
  } finally {
    await evergate.stop();
  }
  log(`\n4. Throughput (autocannon, 10 connections, ${seconds} s each, loopback; server in its own process)`);
  const row = (name: string, r: typeof redirect) =>
    log(
      `   ${name.padEnd(36)} ${fmt(r.rps, 0).padStart(7)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  (${r.requests} requests, ${r.non2xx3xx} not 2xx/3xx, ${r.errors} errors)`,
    );
  row("bare Hono 302 (node-server)", bareResult);
  row("GET /l/{token} (embedded DynamoDB)", redirect);
  row("GET /api/products (first page)", products);
  log(`   redirect / bare: ${fmt(redirect.rps / bareResult.rps, 2)}× the requests per second`);
  results.throughput = {
    seconds,
    connections: 10,
    bare: bareResult,
    redirect,
    products,
    ratioToBare: redirect.rps / bareResult.rps,
  };
  hotLink.localRps = redirect.rps;
  hotLink.localRpsRatioToBare = redirect.rps / bareResult.rps;
}

// ---------------------------------------------------------------------------------------------
// 7. Hot link (issue 20, ADR 024)
// ---------------------------------------------------------------------------------------------
async function hotLinkScenario() {
  const keys = parseTokenKeys(lambdaEnv.TOKEN_KEYS ?? "");
  const { token } = mintToken("link", keys);
  const linkId = hashToken(token);
  const rate = 10_000;
  const seconds = quick ? 2 : 10;
  const writes = await withQuietAccessLog(() =>
    simulateWrites({ linkId, token, rate, seconds, instances: 20 }),
  );
  if (writes.served !== writes.hits)
    throw new Error(`hot link: ${writes.hits - writes.served} hits not served`);
  if (writes.countedAfterFlush !== writes.hits)
    throw new Error(`hot link: ${writes.hits} served but ${writes.countedAfterFlush} counted`);
  const revocation = await withQuietAccessLog(() => measureRevocation({ linkId, token, instances: 20 }));
  log(
    `\n7. Hot link: one unlimited link over 20 in-process Lambda instances, canned DynamoDB counting writes`,
  );
  log(
    `   ${rate} hits/s for ${seconds} s (simulated clock): ${writes.writes} writes to the item = ${fmt(writes.writesPerHit, 5)} per hit (goal ≤ 0.01), busiest second ${writes.busiestSecondWrites} writes (goal ≤ 100); ${writes.reads} reads (${fmt(writes.readsPerSecond)}/s); ${writes.countedAfterFlush} counted of ${writes.hits} served; ${fmt(writes.cpuUsPerHit)} µs CPU per hit`,
  );
  log(
    `   revocation (real clock): last 302 ${fmt(revocation.revocationMs, 0)} ms after the revoke was written (goal ≤ 5,000; copy lifetime ${revocation.cacheMs} ms); ${revocation.hits} hits, ${revocation.servedAfterRevoke} served after the revoke`,
  );
  results.hotLinkDetail = { writes, revocation };
  hotLink.writesPerHit = writes.writesPerHit;
  hotLink.busiestSecondWrites = writes.busiestSecondWrites;
  hotLink.revocationMs = revocation.revocationMs;
}

/** The four figures of issue 20, gathered from scenarios 2, 4 and 7. */
const hotLink: Record<string, number> = {};

// ---------------------------------------------------------------------------------------------
// 5. Cold start
// ---------------------------------------------------------------------------------------------
async function coldStartScenario(built: Awaited<ReturnType<typeof buildBundles>>) {
  const { metafile } = built.real;
  const outputs = Object.keys(metafile.outputs).filter((file) => file.endsWith(".mjs"));
  const entry = outputs.find((file) => file.endsWith("index.mjs") && !file.includes("/chunks/")) as string;
  const coldFiles = coldStartFiles(metafile, entry);
  const coldBytes = coldFiles.reduce((total, file) => total + (metafile.outputs[file]?.bytes ?? 0), 0);
  const allBytes = outputs.reduce((total, file) => total + (metafile.outputs[file]?.bytes ?? 0), 0);
  const coldSources = await Promise.all(coldFiles.map((file) => readFile(join(process.cwd(), file))));
  const gzipBytes = gzipSync(Buffer.concat(coldSources)).length;

  const emptyModule = join(built.realDir, "empty.mjs");
  await writeFile(emptyModule, "export const empty = true;\n");
  const run = promisify(execFile);
  const importMs = async (...files: string[]) => {
    const { stdout } = await run(process.execPath, [join(here, "import-time.mjs"), ...files], {
      env: { ...process.env },
    });
    return Number(stdout.trim());
  };
  // The API (its routes, zod, the JWT verifier) loads on the first request that needs it.
  const apiChunk = outputs.find((file) =>
    Object.keys(metafile.outputs[file]?.inputs ?? {}).includes("src/app.ts"),
  ) as string;
  const samples = quick ? 5 : 11;
  const bundleMs: number[] = [];
  const withApiMs: number[] = [];
  const emptyMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    bundleMs.push(await importMs(join(built.realDir, "index.mjs")));
    withApiMs.push(await importMs(join(built.realDir, "index.mjs"), join(process.cwd(), apiChunk)));
    emptyMs.push(await importMs(emptyModule));
  }
  const dominant = bytesByPackage(metafile, coldFiles).slice(0, 10);
  log(`\n5. Cold start (the built dist/lambda bundle; median of ${samples} fresh node processes)`);
  log(
    `   read at cold start: ${coldBytes} bytes minified in ${coldFiles.length} files (${gzipBytes} gzip); all files incl. lazy chunks: ${allBytes} bytes (goal ≤ 400 KB)`,
  );
  log(
    `   import(): ${fmt(median(bundleMs))} ms vs ${fmt(median(emptyMs), 2)} ms for an empty module (goal ≤ 100 ms)`,
  );
  log(
    `   a cold start whose first request is an API call also imports the API: ${fmt(median(withApiMs))} ms in all`,
  );
  log("   what dominates (minified bytes read at cold start):");
  for (const [name, bytes] of dominant) log(`     ${String(bytes).padStart(8)}  ${name}`);
  results.coldStart = {
    bundleBytes: coldBytes,
    bundleGzipBytes: gzipBytes,
    allFilesBytes: allBytes,
    coldFiles: coldFiles.length,
    importMs: median(bundleMs),
    emptyImportMs: median(emptyMs),
    importWithApiMs: median(withApiMs),
    importSamplesMs: bundleMs,
    dominantPackages: Object.fromEntries(dominant),
  };
}

/** The presign floor for the bench's bucket and credentials. */
function benchFloorPresigner() {
  return floorPresigner({
    host: `${lambdaEnv.FILES_BUCKET}.s3.${lambdaEnv.AWS_REGION}.amazonaws.com`,
    origin: `https://${lambdaEnv.FILES_BUCKET}.s3.${lambdaEnv.AWS_REGION}.amazonaws.com`,
    basePath: "",
    region: lambdaEnv.AWS_REGION as string,
    accessKeyId: lambdaEnv.AWS_ACCESS_KEY_ID as string,
    secretAccessKey: lambdaEnv.AWS_SECRET_ACCESS_KEY as string,
  });
}

// ---------------------------------------------------------------------------------------------
// 7. Observability: what metrics (and tracing when off) cost the redirect (ADR 029)
// ---------------------------------------------------------------------------------------------
type MetricsCpu = Record<"none" | "emf" | "powertools" | "powertoolsLazy", number>;

/**
 * Redirect CPU with each way of recording the same metrics, in this process (run by a child):
 * µs per redirect, and per way its paired ratio to none (bench/cpu.ts `pairedCpu`) from many short
 * rounds — a shared VM's CPU swings by a third between seconds, more than the budget measured.
 */
async function metricsCpuInBundle(benchDir: string): Promise<{ us: MetricsCpu; ratio: MetricsCpu }> {
  const { bundle, aws, token } = await loadBench(benchDir);
  const event = functionUrlEvent("GET", `/l/${token}`);
  const handlers = {
    none: bundle.createHandler(aws, "none"),
    emf: bundle.createHandler(aws, "emf"),
    powertools: bundle.createHandler(aws, "powertools"),
    powertoolsLazy: bundle.createHandler(aws, "powertools-lazy"),
  };
  return withQuietAccessLog(() =>
    pairedCpu(
      Object.fromEntries(
        Object.entries(handlers).map(([name, handler]) => [name, () => handler(event, {})]),
      ) as Record<keyof MetricsCpu, () => Promise<unknown>>,
      { rounds: quick ? 20 : 150, iterations: 40, warmup: 2_000 },
    ),
  );
}

/** Bytes a cold start reads from a build, and the bytes of the given inputs among them. */
function coldBytesOf(
  metafile: {
    outputs: Record<
      string,
      {
        bytes: number;
        imports: Array<{ path: string; kind: string; external?: boolean }>;
        inputs: Record<string, { bytesInOutput: number }>;
      }
    >;
  },
  inputs: RegExp,
) {
  const outputs = Object.keys(metafile.outputs).filter((file) => file.endsWith(".mjs"));
  const entry = outputs.find((file) => file.endsWith("index.mjs") && !file.includes("/chunks/")) as string;
  const cold = coldStartFiles(metafile as never, entry);
  const bytes = cold.reduce((total, file) => total + (metafile.outputs[file]?.bytes ?? 0), 0);
  const matching = cold
    .flatMap((file) => Object.entries(metafile.outputs[file]?.inputs ?? {}))
    .filter(([input]) => inputs.test(input))
    .reduce((total, [, { bytesInOutput }]) => total + bytesInOutput, 0);
  // The chunks holding the matching inputs that a cold start does not read, with what they import
  const lazy = outputs.filter(
    (file) =>
      !cold.includes(file) && Object.keys(metafile.outputs[file]?.inputs ?? {}).some((i) => inputs.test(i)),
  );
  const lazyFiles = new Set(lazy.flatMap((file) => coldStartFiles(metafile as never, file)));
  const lazyBytes = [...lazyFiles]
    .filter((file) => !cold.includes(file))
    .reduce((total, file) => total + (metafile.outputs[file]?.bytes ?? 0), 0);
  return { bytes, matching, lazyBytes };
}

async function observabilityScenario(built: Awaited<ReturnType<typeof buildBundles>>) {
  const started = performance.now();
  const dirs = [1, 2].map((n) => join(tmpdir(), `evergate-bench-metrics-${process.pid}-${n}`));
  const [statically, lazily] = await Promise.all([
    buildLambda(dirs[0], { entryPoint: join(here, "main-powertools-metrics.ts") }),
    buildLambda(dirs[1], { entryPoint: join(here, "main-powertools-lazy.ts") }),
  ]);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  const ours = coldBytesOf(built.real.metafile, /^src\/metrics\//);
  const tracer = coldBytesOf(
    built.real.metafile,
    /@aws-lambda-powertools\/tracer|aws-xray-sdk-core|src\/lambda\/tracing\.ts/,
  );
  const powertools = /@aws-lambda-powertools\/(metrics|commons)/;
  const withPowertools = coldBytesOf(statically.metafile, powertools);
  const withLazyPowertools = coldBytesOf(lazily.metafile, powertools);
  // The same tree without any metrics code: what the budget is measured against.
  const baseline = ours.bytes - ours.matching;
  const perProcess: Array<{ us: MetricsCpu; ratio: MetricsCpu }> = [];
  const run = promisify(execFile);
  for (let i = 0; i < (quick ? 1 : 5); i++) {
    const args = ["--import", "tsx", fileURLToPath(import.meta.url), `--metrics-cpu=${built.benchDir}`];
    const { stdout } = await run(process.execPath, quick ? [...args, "--quick"] : args, {
      // Dev mode prints through console.log (silenced here like the access log); it would also
      // disable the output unless POWERTOOLS_METRICS_DISABLED says otherwise: the work is measured.
      env: { ...process.env, POWERTOOLS_DEV: "true", POWERTOOLS_METRICS_DISABLED: "false" },
      maxBuffer: 1 << 22,
    });
    perProcess.push(JSON.parse(stdout.trim().split("\n").pop() as string));
  }
  // Each process's paired ratio, then their median: a process's JIT may land either way.
  const ratio = (name: keyof MetricsCpu) => median(perProcess.map((sample) => sample.ratio[name]));
  const us = (name: keyof MetricsCpu) => median(perProcess.map((sample) => sample.us[name]));
  const pct = (value: number) => `${value >= 0 ? "+" : ""}${fmt(value * 100, 1)} %`;
  const bytesVs = (bytes: number) => bytes / baseline - 1;
  log(
    `\n7. Observability: the redirect's cold start and CPU with metrics (budget +5 % each; ${perProcess.length} processes)`,
  );
  log(`   cold start without metrics code           ${String(baseline).padStart(8)} B`);
  log(
    `   + src/metrics (EMF, as built)             ${String(ours.bytes).padStart(8)} B  ${pct(bytesVs(ours.bytes))}`,
  );
  log(
    `   + Powertools Metrics, imported statically ${String(withPowertools.bytes).padStart(8)} B  ${pct(bytesVs(withPowertools.bytes))} (Powertools ${withPowertools.matching} B)`,
  );
  log(
    `   + Powertools Metrics, imported on 1st flush ${String(withLazyPowertools.bytes).padStart(6)} B  ${pct(bytesVs(withLazyPowertools.bytes))}; the first invocation reads ${withLazyPowertools.lazyBytes} B more: ${pct(bytesVs(withLazyPowertools.bytes + withLazyPowertools.lazyBytes))}`,
  );
  log(`   Tracer on the cold path: ${tracer.matching} B; loaded with TRACING=on: ${tracer.lazyBytes} B`);
  log(
    `   redirect CPU µs: none ${fmt(us("none"))}, EMF ${fmt(us("emf"))} (${pct(ratio("emf") - 1)}), Powertools ${fmt(us("powertools"))} (${pct(ratio("powertools") - 1)}), Powertools lazy ${fmt(us("powertoolsLazy"))} (${pct(ratio("powertoolsLazy") - 1)})`,
  );
  results.observability = {
    baselineColdBytes: baseline,
    emf: {
      coldBytes: ours.bytes,
      metricsCodeBytes: ours.matching,
      coldBytesRatio: ours.bytes / baseline,
      cpuUs: us("emf"),
      cpuRatio: ratio("emf"),
    },
    powertoolsStatic: {
      coldBytes: withPowertools.bytes,
      powertoolsBytes: withPowertools.matching,
      coldBytesRatio: withPowertools.bytes / baseline,
      cpuUs: us("powertools"),
      cpuRatio: ratio("powertools"),
    },
    powertoolsLazy: {
      coldBytes: withLazyPowertools.bytes,
      firstInvocationExtraBytes: withLazyPowertools.lazyBytes,
      firstInvocationBytesRatio: (withLazyPowertools.bytes + withLazyPowertools.lazyBytes) / baseline,
      cpuUs: us("powertoolsLazy"),
      cpuRatio: ratio("powertoolsLazy"),
    },
    noMetricsCpuUs: us("none"),
    tracer: { coldPathBytes: tracer.matching, loadedWhenOnBytes: tracer.lazyBytes },
    perProcess,
    loadAverage: loadavg(),
    seconds: (performance.now() - started) / 1000,
  };
}

const metricsCpuDir = process.argv.find((arg) => arg.startsWith("--metrics-cpu="))?.split("=")[1];
if (metricsCpuDir) {
  process.stdout.write(`${JSON.stringify(await metricsCpuInBundle(metricsCpuDir))}\n`);
  process.exit(0);
}

// A child run by redirectScenarios: one process's CPU comparison, printed as JSON.
const redirectCpuDir = process.argv.find((arg) => arg.startsWith("--redirect-cpu="))?.split("=")[1];
if (redirectCpuDir) {
  process.stdout.write(`${JSON.stringify(await redirectCpuInBundle(redirectCpuDir))}\n`);
  process.exit(0);
}

const startedAt = performance.now();
log(
  `Evergate bench — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}${quick ? " (quick)" : ""}`,
);
const built = await buildBundles();
const floor = benchFloorPresigner();
if (wanted("presign")) await presignScenario(floor);
if (wanted("cdn")) await filesCdnScenario();
if (wanted("redirect")) await redirectScenarios(built.benchDir);
if (wanted("cold")) await coldStartScenario(built);
if (wanted("throughput")) await throughputScenario();
if (wanted("observability")) await observabilityScenario(built);
log("\n6. Scale model: see bench/SCALE.md");
if (wanted("hot")) await hotLinkScenario();
if (Object.keys(hotLink).length) results.hotLink = { ...hotLink, load: loadavg() };

await Promise.all([built.realDir, built.benchDir].map((dir) => rm(dir, { recursive: true, force: true })));
results.machine = {
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  platform: process.platform,
};
results.when = new Date().toISOString();
results.seconds = (performance.now() - startedAt) / 1000;
const resultsFile = join(here, "results.json");
await writeResults(resultsFile, results);
log(`\nwrote bench/results.json in ${fmt((performance.now() - startedAt) / 1000)} s total`);
process.exit(0);
