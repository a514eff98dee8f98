import { randomBytes } from "node:crypto";
import { PutPublicAccessBlockCommand, S3Client } from "@aws-sdk/client-s3";
import { newId } from "#src/domain/token.ts";
import { gradientPng } from "#src/local/demo-files.ts";
import {
  type LocalEvergate,
  type LocalEvergateOptions,
  startLocalEvergate,
} from "#src/local/local-evergate.ts";
import { ensureBucket } from "#src/local/provision.ts";
import { strictS3FromEnv } from "./strict-s3.ts";

export interface TestUser {
  username: string;
  userId: string;
  token: string;
}

export interface RequestOptions {
  token?: string;
  json?: unknown;
  headers?: Record<string, string>;
  redirect?: RequestRedirect;
}

export interface TestEvergate extends LocalEvergate {
  /** A fresh user in the stand-in Cognito, logged in. */
  newUser(prefix?: string): Promise<TestUser>;
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** Uploads bytes through the API's presigned PUT, as the webapp does; returns the upload id. */
  upload(
    user: TestUser,
    kind: "promoImage" | "deliverable",
    body: Uint8Array,
    contentType: string,
    filename: string,
  ): Promise<string>;
  /** Creates a product with a real PNG and the given deliverable bytes. */
  createProduct(
    user: TestUser,
    fields?: Partial<{
      title: string;
      description: string;
      amount: number;
      deliverable: Uint8Array;
      filename: string;
    }>,
  ): Promise<TestProduct>;
}

export interface TestProduct {
  id: string;
  title: string;
  version: number;
  deliverableBytes: Uint8Array;
  [key: string]: unknown;
}

export const testPng = gradientPng(32, 16, [10, 20, 30], [200, 210, 220]);

/**
 * Starts the same local Evergate as `npm start` (in memory, free ports) for one test file. With
 * the strict tier's variables set, the app's S3 is Ceph RGW with a bucket of this file's own.
 */
export async function startTestEvergate(options: Partial<LocalEvergateOptions> = {}): Promise<TestEvergate> {
  const strict = strictS3FromEnv();
  const bucket = `evergate-test-${newId().toLowerCase()}`;
  if (strict) {
    const s3 = new S3Client({
      region: "us-east-1",
      endpoint: strict.endpoint,
      credentials: strict.credentials,
      forcePathStyle: true,
    });
    await ensureBucket(s3, bucket, [
      "http://localhost:3000",
      "http://127.0.0.1:3000",
      ...(options.extraOrigins ?? []),
    ]);
    // As close to the real files bucket (infra/constructs/data.ts: BLOCK_ALL) as RGW allows. RGW,
    // unlike AWS, accepts an unsigned x-amz-acl/x-amz-grant-* header on a presigned PUT; only this
    // keeps such an upload private. BlockPublicAcls stays off: RGW 16 then refuses every PUT (403).
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: false,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    s3.destroy();
  }
  const evergate = await startLocalEvergate({
    port: 0,
    ...options,
    externalS3: strict ? { ...strict, bucket, forcePathStyle: true } : undefined,
    // Tests of other behaviour send thousands of requests from one address and check health
    // right after stopping a stand-in: limits and the health cache are tested on their own
    // (test/integration/rate-limits.security.test.ts), turned on there.
    configOverrides: {
      LOG_LEVEL: "silent",
      RATE_LIMITS_ENABLED: "false",
      HEALTH_CACHE_SECONDS: "0",
      // Hot links (ADR 024) count in batches a second later; tests of counting read the counts
      // right after the hits, so the exact write is on unless a test turns the cache on
      // (test/integration/hot-links.test.ts).
      HOT_LINK_CACHE_MS: "0",
      // The embedded DynamoDB shares 2 cores with the whole suite: under CI's load a burst of 60
      // conditional writes took longer than the 2 s a deployment allows. Tests of timeouts set their own.
      AWS_TIMEOUT_MS: "10000",
      ...options.configOverrides,
    },
  });

  const request: TestEvergate["request"] = (method, path, requestOptions = {}) => {
    const headers: Record<string, string> = { ...requestOptions.headers };
    if (requestOptions.token) headers.authorization = `Bearer ${requestOptions.token}`;
    let body: string | undefined;
    if (requestOptions.json !== undefined) {
      headers["content-type"] ??= "application/json";
      body = JSON.stringify(requestOptions.json);
    }
    return fetch(`http://127.0.0.1:${evergate.port}${path}`, {
      method,
      headers,
      body,
      redirect: requestOptions.redirect ?? "manual",
    });
  };

  const upload: TestEvergate["upload"] = async (user, kind, body, contentType, filename) => {
    const ticket = await request("POST", "/api/uploads", {
      token: user.token,
      json: { kind, contentType, size: body.length, filename },
    });
    if (ticket.status !== 201) throw new Error(`upload ticket: ${ticket.status} ${await ticket.text()}`);
    const { url, headers, uploadId } = (await ticket.json()) as {
      url: string;
      headers: Record<string, string>;
      uploadId: string;
    };
    const put = await fetch(url, { method: "PUT", headers, body: Buffer.from(body) });
    if (!put.ok) throw new Error(`PUT to S3: ${put.status} ${await put.text()}`);
    return uploadId;
  };

  return {
    ...evergate,
    request,
    upload,
    async newUser(prefix = "user") {
      const username = `${prefix}-${randomBytes(4).toString("hex")}`;
      const password = "Password.1";
      const { sub } = await evergate.stack.createUser(username, password);
      const { accessToken } = await evergate.stack.login(username, password);
      return { username, userId: sub, token: accessToken };
    },
    async createProduct(user, fields = {}) {
      const deliverable =
        fields.deliverable ?? new TextEncoder().encode(`deliverable ${randomBytes(8).toString("hex")}`);
      const imageUploadId = await upload(user, "promoImage", testPng, "image/png", "promo.png");
      const deliverableUploadId = await upload(
        user,
        "deliverable",
        deliverable,
        "text/plain",
        fields.filename ?? "file.txt",
      );
      const response = await request("POST", "/api/products", {
        token: user.token,
        json: {
          title: fields.title ?? "A product",
          description: fields.description ?? "Its description.",
          price: { amount: fields.amount ?? 1000, currency: "EUR" },
          imageUploadId,
          deliverableUploadId,
        },
      });
      if (response.status !== 201)
        throw new Error(`create product: ${response.status} ${await response.text()}`);
      return { ...((await response.json()) as TestProduct), deliverableBytes: deliverable };
    },
  };
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}
