import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken, newTokenKeyEntry, parseTokenKeys } from "#src/domain/token.ts";
import { buildLambda, coldStartFiles } from "../../scripts/build.ts";
import { startTestEvergate, type TestEvergate, type TestProduct, type TestUser } from "../support/harness.ts";
import { useLambdaEnvironment } from "../support/lambda-environment.ts";
import { type EventOptions, type FunctionUrlResult, functionUrlEvent } from "./function-url-event.ts";

/**
 * The built dist/lambda bundle (what gets deployed), imported with the environment Lambda would
 * give it and invoked with function URL events (payload 2.0) against the embedded stand-ins.
 */
type Handler = (event: unknown, context: unknown) => Promise<FunctionUrlResult>;

let evergate: TestEvergate;
let user: TestUser;
let product: TestProduct;
let token: string;
let linkId: string;
let handler: Handler;
let bundleDir: string;
let built: Awaited<ReturnType<typeof buildLambda>>;
let restoreEnvironment: (() => void) | undefined;

const invoke = (method: string, path: string, options: EventOptions = {}) =>
  handler(functionUrlEvent(method, path, options), {});
const header = (result: FunctionUrlResult, name: string) => result.headers?.[name.toLowerCase()];
const bodyJson = (result: FunctionUrlResult) =>
  JSON.parse(
    result.isBase64Encoded ? Buffer.from(result.body ?? "", "base64").toString() : (result.body ?? ""),
  );

beforeAll(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), "evergate-lambda-test-"));
  const [stack, build] = await Promise.all([startTestEvergate(), buildLambda(bundleDir)]);
  evergate = stack;
  built = build;
  user = await evergate.newUser("lambda");
  product = await evergate.createProduct(user, { filename: "Résumé (final) v2.txt" });
  await evergate.createProduct(user, { title: "A second product" });
  const created = await evergate.request("POST", "/api/links", {
    token: user.token,
    json: { productId: product.id },
  });
  expect(created.status).toBe(201);
  ({ token, id: linkId } = (await created.json()) as { token: string; id: string });

  restoreEnvironment = useLambdaEnvironment(evergate);
  ({ handler } = (await import(/* @vite-ignore */ pathToFileURL(join(bundleDir, "index.mjs")).href)) as {
    handler: Handler;
  });
}, 120_000);

afterAll(async () => {
  restoreEnvironment?.();
  await evergate?.stop();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

describe("the built Lambda bundle behind a function URL", () => {
  it("GET /l/{token} redirects to a presigned URL that S3 serves with the product's bytes", async () => {
    const result = await invoke("GET", `/l/${token}`);
    expect(result.statusCode).toBe(302);
    expect(header(result, "Cache-Control")).toBe("private, no-store");
    expect(header(result, "Referrer-Policy")).toBe("no-referrer");
    const location = header(result, "Location") ?? "";
    expect(location.startsWith(`${evergate.config.S3_ENDPOINT}/${evergate.config.FILES_BUCKET}/`)).toBe(true);
    expect(new URL(location).searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(result.cookies ?? []).toEqual([]);

    const download = await fetch(location);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(product.deliverableBytes))).toBe(
      true,
    );
    expect(download.headers.get("content-disposition")).toContain(
      "filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29%20v2.txt",
    );
  });

  it("an EMF line that cannot be written does not fail the invocation: the answer still goes out", async () => {
    let refused = 0;
    const write = process.stdout.write;
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a quiet second: this invocation writes
    process.stdout.write = ((chunk: string | Uint8Array) => {
      if (!String(chunk).includes('"_aws"')) return true;
      refused++;
      throw new Error("EPIPE: stdout closed");
    }) as typeof process.stdout.write;
    let result: FunctionUrlResult;
    try {
      result = await invoke("GET", "/l/evg_not-a-token-metrics");
    } finally {
      process.stdout.write = write;
    }
    expect(refused).toBe(1); // the write was tried (and logged as "metrics not written")
    expect(result.statusCode).toBe(404);
  });

  it("writes its metrics as EMF lines on stdout: at once after a quiet second, then at most once a second (ADR 029)", async () => {
    const lines: string[] = [];
    const write = process.stdout.write;
    const emfLines = () =>
      lines.splice(0).flatMap((chunk) =>
        chunk
          .split("\n")
          .filter((line) => line.includes('"_aws"'))
          .map((line) => JSON.parse(line)),
      );
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a quiet second since the last test
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let result: FunctionUrlResult;
    let burst: { ms: number; lines: unknown[] };
    let later: Array<Record<string, unknown>>;
    try {
      result = await invoke("GET", "/l/evg_not-a-token");
      const first = emfLines();
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({
        Route: "/l/{token}",
        Requests: 1,
        ClientErrors: 1,
        Outcome: "invalid_token",
        LinkOutcomes: 1,
      });
      expect(first[0]._aws.CloudWatchMetrics[0].Namespace).toBe("Evergate");
      expect(JSON.stringify(first[0])).not.toContain("not-a-token");
      // A burst right after: buffered in the instance, nothing written yet
      const startedAt = performance.now();
      for (let i = 0; i < 4; i++) await invoke("GET", `/l/evg_not-a-token-${i}`);
      burst = { ms: performance.now() - startedAt, lines: emfLines() };
      // A second later the next invocation writes the burst's values (and then its own)
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await invoke("GET", "/l/evg_not-a-token-5");
      later = emfLines();
    } finally {
      process.stdout.write = write;
    }
    expect(result.statusCode).toBe(404);
    if (burst.ms < 900) expect(burst.lines).toEqual([]);
    // A Count is written as its sum: the burst's 4 (one document), then the last invocation's 1
    const requests = [...burst.lines, ...later].map(
      (document) => (document as Record<string, unknown>).Requests,
    );
    expect(requests).toEqual([4, 1]);
  });

  it("HEAD /l/{token} answers 200 without a body and without using up a download", async () => {
    const id = (await evergate
      .request("GET", `/api/links?limit=50`, { token: user.token })
      .then((r) => r.json())) as {
      items: Array<{ id: string; downloadCount: number; productId: string }>;
    };
    const before = id.items.find((link) => link.productId === product.id)?.downloadCount;
    const result = await invoke("HEAD", `/l/${token}`);
    expect(result.statusCode).toBe(200);
    expect(result.body ?? "").toBe("");
    expect(header(result, "Location")).toBeUndefined();
    const after = (await evergate
      .request("GET", `/api/links?limit=50`, { token: user.token })
      .then((r) => r.json())) as typeof id;
    expect(after.items.find((link) => link.productId === product.id)?.downloadCount).toBe(before);
  });

  it("GET /l/{malformed} is a 404 problem, the same as over HTTP", async () => {
    const result = await invoke("GET", "/l/evg_notAToken");
    expect(result.statusCode).toBe(404);
    expect(header(result, "Content-Type")).toMatch(/^application\/problem\+json/);
    expect(header(result, "Cache-Control")).toBe("private, no-store");
    expect(bodyJson(result)).toMatchObject({ status: 404, code: "not_found" });
    const overHttp = await evergate.request("GET", "/l/evg_notAToken");
    expect(overHttp.status).toBe(result.statusCode);
    expect(overHttp.headers.get("cache-control")).toBe("private, no-store");
    expect((await overHttp.json()) as object).toMatchObject({ status: 404, code: "not_found" });
  });

  it("answers /l/ without Hono exactly as the whole app does over HTTP: every kind of link, method and client", async () => {
    const linkFor = async (json: Record<string, unknown>) => {
      const created = await evergate.request("POST", "/api/links", { token: user.token, json });
      expect(created.status).toBe(201);
      return (await created.json()) as { id: string; token: string };
    };
    const limited = await linkFor({ productId: product.id, maxDownloads: 1000 });
    const revoked = await linkFor({ productId: product.id });
    expect((await evergate.request("DELETE", `/api/links/${revoked.id}`, { token: user.token })).status).toBe(
      200,
    );
    const tokens = {
      malformed: "evg_notAToken",
      "never issued": mintToken("link", evergate.config.TOKEN_KEYS).token,
      forged: mintToken("link", parseTokenKeys(newTokenKeyEntry(token[4]))).token,
      "an api key": mintToken("apiKey", evergate.config.TOKEN_KEYS).token,
      "percent-encoded": encodeURIComponent(token).replace("_", "%5F"),
      active: token,
      limited: limited.token,
      revoked: revoked.token,
    };
    const clients: Record<string, Record<string, string>> = {
      curl: { accept: "*/*", "user-agent": "curl/8.5.0", "x-request-id": "curl-1" },
      browser: {
        accept: "text/html,application/xhtml+xml,*/*;q=0.8",
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0",
      },
      preview: { "user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" },
      prefetch: { accept: "text/html", "sec-purpose": "prefetch;prerender" },
      "odd request id": { "x-request-id": "not a sane id!" },
    };
    const comparable = (status: number, get: (name: string) => string | null | undefined, body: string) => {
      const location = get("location");
      return {
        status,
        ...Object.fromEntries(
          [
            "content-type",
            "cache-control",
            "referrer-policy",
            "x-content-type-options",
            "content-security-policy",
            "x-robots-tag",
            "retry-after",
          ].map((name) => [name, get(name) ?? null]),
        ),
        requestId: /^(curl-1|[0-9a-f-]{36})$/.test(get("x-request-id") ?? "") ? "sane" : get("x-request-id"),
        // Signed at a different instant, so compare where it points and that it is signed.
        location: location
          ? `${new URL(location).origin}${new URL(location).pathname} signed:${location.includes("X-Amz-Signature=")}`
          : null,
        // A page that carries a signed URL (the browser's "download starting" page) is signed at its
        // own instant too: compare it without the signing time and signature.
        body: body
          .replace(/"requestId":"[^"]*"/, "")
          .replace(/X-Amz-(Date|Credential|Signature)=[^&"'\s]*/g, "X-Amz-$1=…"),
      };
    };
    let compared = 0;
    for (const [kind, linkToken] of Object.entries(tokens)) {
      for (const method of ["GET", "HEAD", "POST", "PUT"]) {
        for (const [client, headers] of Object.entries(clients)) {
          const path = `/l/${linkToken}`;
          const viaLambda = await invoke(method, path, { headers });
          const lambdaBody = viaLambda.isBase64Encoded
            ? Buffer.from(viaLambda.body ?? "", "base64").toString()
            : (viaLambda.body ?? "");
          const overHttp = await evergate.request(method, path, { headers });
          const httpBody = method === "HEAD" ? "" : await overHttp.text();
          expect(
            comparable(viaLambda.statusCode, (name) => header(viaLambda, name), lambdaBody),
            `${kind} ${method} ${client}`,
          ).toEqual(comparable(overHttp.status, (name) => overHttp.headers.get(name), httpBody));
          compared += 1;
        }
      }
    }
    expect(compared).toBe(8 * 4 * 5);
  });

  it("a redirect while DynamoDB is down is the same 503 problem with Retry-After as over HTTP", async () => {
    const { dynamo } = evergate.stack.restartable;
    await dynamo.stop();
    try {
      const viaLambda = await invoke("GET", `/l/${token}`);
      const overHttp = await evergate.request("GET", `/l/${token}`);
      expect(viaLambda.statusCode).toBe(503);
      expect(overHttp.status).toBe(503);
      expect(header(viaLambda, "retry-after")).toBe(overHttp.headers.get("retry-after"));
      expect(header(viaLambda, "content-type")).toMatch(/^application\/problem\+json/);
      expect(bodyJson(viaLambda)).toMatchObject({ status: 503, code: "service_unavailable" });
    } finally {
      await dynamo.start();
    }
    expect((await invoke("GET", `/l/${token}`)).statusCode).toBe(302);
  });

  it("POST /api/links with a JSON body creates a link whose token the bundle then redirects", async () => {
    const result = await invoke("POST", "/api/links", {
      headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
      body: JSON.stringify({ productId: product.id, label: "from a function URL" }),
    });
    expect(result.statusCode).toBe(201);
    const created = bodyJson(result) as { token: string; label: string };
    expect(created.token).toMatch(/^evg_[0-9A-Za-z]{34}$/);
    expect(created.label).toBe("from a function URL");
    expect((await invoke("GET", `/l/${created.token}`)).statusCode).toBe(302);
  });

  it("POST /api/links with a base64-encoded body (isBase64Encoded) is read the same way", async () => {
    const result = await invoke("POST", "/api/links", {
      headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ productId: product.id, label: "base64 – ünïcode" }),
      base64: true,
    });
    expect(result.statusCode).toBe(201);
    expect((bodyJson(result) as { label: string }).label).toBe("base64 – ünïcode");
  });

  it("cookies reach the app but never authenticate (no ambient credentials, so no CSRF surface)", async () => {
    const withCookies = await invoke("GET", "/api/products?limit=1", {
      cookies: ["session=abc", "theme=dark"],
    });
    expect(withCookies.statusCode).toBe(200);
    expect(withCookies.cookies ?? []).toEqual([]);
    const cookieOnly = await invoke("POST", "/api/links", {
      headers: { "content-type": "application/json" },
      cookies: [`access_token=${user.token}`, `Authorization=Bearer ${user.token}`],
      body: JSON.stringify({ productId: product.id }),
    });
    expect(cookieOnly.statusCode).toBe(401);
    expect(header(cookieOnly, "Content-Type")).toMatch(/^application\/problem\+json/);
  });

  it("GET /api/products?limit=1 honours the query string like the HTTP server", async () => {
    const result = await invoke("GET", "/api/products?limit=1");
    expect(result.statusCode).toBe(200);
    expect(header(result, "Cache-Control")).toBe("no-store");
    const page = bodyJson(result) as { items: unknown[]; nextCursor?: string };
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));
    const overHttp = (await evergate
      .request("GET", "/api/products?limit=1")
      .then((r) => r.json())) as typeof page;
    expect(page).toEqual(overHttp);
    const invalid = await invoke("GET", "/api/products?limit=0");
    expect(invalid.statusCode).toBe(400);
  });

  it("an unknown route is a 404 problem", async () => {
    const result = await invoke("GET", "/api/nothing-here");
    expect(result.statusCode).toBe(404);
    expect(header(result, "Content-Type")).toMatch(/^application\/problem\+json/);
    expect(bodyJson(result)).toMatchObject({ status: 404, code: "not_found" });
  });

  it("a stream batch (the access-event consumer's function) writes the link's event, once however often it comes", async () => {
    const at = "2026-01-02T03:04:05.000Z";
    const image = (downloadCount: number) => ({
      pk: { S: `LINK#${linkId}` },
      sk: { S: "LINK" },
      id: { S: linkId },
      ownerId: { S: user.userId },
      productId: { S: product.id },
      createdAt: { S: "2026-01-01T00:00:00.000Z" },
      downloadCount: { N: String(downloadCount) },
      ...(downloadCount > 0 && {
        lastHit: {
          M: {
            at: { S: at },
            clientId: { S: "bundle-client-id" },
            outcome: { S: "granted" },
            country: { S: "NZ" },
          },
        },
      }),
    });
    const batch = {
      Records: [
        {
          eventID: "bundle-test-record",
          eventName: "MODIFY",
          eventSource: "aws:dynamodb",
          dynamodb: {
            Keys: { pk: { S: `LINK#${linkId}` }, sk: { S: "LINK" } },
            OldImage: image(0),
            NewImage: image(1),
            SequenceNumber: "900000000000000000001",
            StreamViewType: "NEW_AND_OLD_IMAGES",
          },
        },
      ],
    };
    const context = { getRemainingTimeInMillis: () => 60_000 };
    for (let i = 0; i < 3; i++) expect(await handler(batch, context)).toEqual({ batchItemFailures: [] });
    const events = await evergate.request("GET", `/api/links/${linkId}/events?limit=100`, {
      token: user.token,
    });
    expect(events.status).toBe(200);
    const ours = ((await events.json()) as { items: Array<Record<string, unknown>> }).items.filter(
      (event) => event.at === at,
    );
    expect(ours).toEqual([
      expect.objectContaining({
        kind: "download",
        outcome: "granted",
        country: "NZ",
        clientId: "bundle-client-id",
      }),
    ]);
  });

  it("a queue batch (the webhook delivery function's) attempts due jobs and names only the message it cannot read", async () => {
    const job = (body: string, messageId: string) => ({
      messageId,
      receiptHandle: messageId,
      body,
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:evergate-webhooks",
      attributes: {},
      messageAttributes: {},
    });
    const due = JSON.stringify({
      webhookId: "no-such-webhook",
      deliveryId: "none",
      notBefore: new Date(0).toISOString(),
    });
    const answer = await handler({ Records: [job(due, "m-due"), job("{not json", "m-bad")] }, {});
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: "m-bad" }] });
  });

  it("the EventBridge schedule's { evergate: 'sweep' } runs the sweeper instead of HTTP", async () => {
    const abandoned = await evergate.upload(
      user,
      "deliverable",
      new TextEncoder().encode("never used"),
      "text/plain",
      "a.txt",
    );
    const record = await evergate.deps.stores.uploads.get(abandoned);
    // Make it due now: the sweeper takes uploads whose claim window has passed.
    await evergate.deps.stores.uploads.delete(abandoned);
    await evergate.deps.stores.uploads.put({
      ...(record as NonNullable<typeof record>),
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    const result = (await handler({ evergate: "sweep" }, {})) as unknown as { deleted: number };
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    expect(await evergate.deps.stores.uploads.get(abandoned)).toBeNull();
    expect(await evergate.deps.files.head(record?.pendingKey ?? "")).toBeNull();
  });

  it("paths beside /l/{token} (/l/, /l/a/b) reach the whole app and get its 404 problem", async () => {
    for (const path of ["/l/", "/l/a/b", "/l"]) {
      const result = await invoke("GET", path);
      expect(result.statusCode, path).toBe(404);
      expect(bodyJson(result)).toMatchObject({ status: 404, code: "not_found" });
    }
  });
});

describe("what a cold start for a redirect reads", () => {
  const coldInputs = () => {
    const entry = Object.keys(built.metafile.outputs).find((file) => file.endsWith("/index.mjs")) as string;
    const files = coldStartFiles(built.metafile, entry);
    const bytes = files.reduce((total, file) => total + (built.metafile.outputs[file]?.bytes ?? 0), 0);
    const inputs = files.flatMap((file) => Object.keys(built.metafile.outputs[file]?.inputs ?? {}));
    return { bytes, inputs };
  };

  it("holds neither the API's routes nor zod nor the S3 client: they load on first use", () => {
    const { inputs } = coldInputs();
    expect(inputs.some((input) => input.includes("src/gateway/answer.ts"))).toBe(true);
    for (const lazy of [
      "node_modules/zod/",
      "@hono/zod-openapi",
      "zod-to-openapi",
      "client-s3",
      "src/routes/products.ts",
      "src/app.ts",
      // Tracing is off by default and then never loaded (ADR 029)
      "@aws-lambda-powertools/",
      "aws-xray-sdk-core",
      "src/lambda/tracing.ts",
    ]) {
      expect(
        inputs.filter((input) => input.includes(lazy)),
        lazy,
      ).toEqual([]);
    }
  });

  it("stays within the 400 KB budget of issue 9 (minified bytes)", () => {
    expect(coldInputs().bytes).toBeLessThanOrEqual(400_000);
  });
});
