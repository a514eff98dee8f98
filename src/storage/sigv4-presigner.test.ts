import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attachmentDisposition } from "#src/domain/content-disposition.ts";
import { type S3FileStorageSettings, s3ClientConfig } from "./s3-files.ts";
import {
  createGetObjectPresigner,
  MAX_PRESIGN_SECONDS,
  type SigningCredentials,
  validitySeconds,
} from "./sigv4-presigner.ts";

interface Setup {
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  bucket: string;
  checksums: "WHEN_REQUIRED" | "WHEN_SUPPORTED";
  credentials: SigningCredentials;
}

const settingsOf = (setup: Setup): S3FileStorageSettings => ({
  bucket: setup.bucket,
  region: setup.region,
  endpoint: setup.endpoint,
  forcePathStyle: setup.forcePathStyle,
  responseChecksumValidation: setup.checksums,
  credentials: async () => setup.credentials,
});

/** The S3 client exactly as src/storage/s3-files.ts builds it from the same settings as the presigner. */
const s3Client = (setup: Setup) => new S3Client(s3ClientConfig(settingsOf(setup)));

const presignerFor = (setup: Setup) => createGetObjectPresigner(setup.bucket, settingsOf(setup));

/** Settings whose S3 rules differ (ARNs, S3 Express/Outposts names, global pseudo-regions): refused by design. */
const refusedByDesign = (setup: Setup) =>
  setup.bucket.startsWith("arn:") ||
  /--[a-z0-9]+-s3$/.test(setup.bucket) ||
  /^aws(-[a-z]+)*-global$/.test(setup.region);

const sdkUrl = (
  client: S3Client,
  bucket: string,
  key: string,
  expiresIn: number,
  signingDate: Date,
  disposition?: string,
  cacheControl?: string,
) =>
  getSignedUrl(
    client,
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ResponseCacheControl: cacheControl,
      ResponseContentDisposition: disposition,
    }),
    {
      expiresIn,
      signingDate,
    },
  );

const awkward = [
  "/",
  "//",
  " ",
  "+",
  "%",
  "%2F",
  "~",
  "!",
  "'",
  "(",
  ")",
  "*",
  "?",
  "#",
  "&",
  "=",
  ";",
  ",",
  "é",
  "ü",
  "😀",
  "日本",
  "\u00a0",
  "..",
  ".",
];
const keyArb = fc
  .array(fc.oneof(fc.constantFrom(...awkward), fc.string({ unit: "binary", minLength: 1, maxLength: 12 })), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(""))
  .filter((key) => key.length > 0 && Buffer.byteLength(key) <= 1024);
const filenameArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    '../../etc/pa"ss\r\nSet-Cookie: x=1; y.txt',
    "été 😀.txt",
    "a b+c%20(1)!*'~.pdf",
    "\\..\\x",
    "",
  ),
);
/** What the app pins (src/domain/served-file.ts) and anything else a header value may hold. */
const cacheControlArb = fc.oneof(
  fc.constantFrom("private, no-store", "private, max-age=600", "no-cache", "max-age=0, must-revalidate"),
  fc.string({ unit: "binary", maxLength: 40 }),
);
const credentialsArb = fc.record({
  accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,20}$/),
  secretAccessKey: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 40 }),
  sessionToken: fc.option(fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 300 }), {
    nil: undefined,
  }),
});
const setupArb: fc.Arbitrary<Setup> = fc.record({
  region: fc.oneof(
    fc.constantFrom(
      "us-east-1",
      "us-west-2",
      "eu-west-1",
      "eu-central-1",
      "ap-southeast-2",
      "sa-east-1",
      "ca-west-1",
      "il-central-1",
      "mx-central-1",
      "cn-north-1",
      "cn-northwest-1",
      "us-gov-west-1",
      "us-iso-east-1",
      "us-isob-east-1",
      "us-isof-south-1",
      "eu-isoe-west-1",
      "eusc-de-east-1",
    ),
    // Unknown to the partitions (the SDK falls back to "aws"), invalid, or pseudo-regions.
    fc.constantFrom("xx-future-9", "local", "aws-global", "aws-cn-global", "Bad_Region", "eu-west-1."),
  ),
  endpoint: fc.constantFrom(
    undefined,
    "http://127.0.0.1:4569",
    "http://10.0.0.1",
    "http://[::1]:9000",
    "http://localhost:9000",
    "http://localhost:80",
    "https://s3.example.com",
    "https://s3.example.com:443",
    "HTTPS://S3.Example.COM:8443/",
    "https://storage.example.com/base/",
    "https://storage.example.com/base",
  ),
  forcePathStyle: fc.boolean(),
  bucket: fc.oneof(
    fc.constantFrom("evergate-files", "evergate.files.example", "b12"),
    fc.constantFrom(
      "ab",
      "a-b",
      "my--bucket",
      "xn--bucket",
      "bucket-s3alias",
      "1.2.3.4",
      "Evergate_Files",
      "UPPER",
      "dash-",
      "a..b",
      "sp ace",
      "per%cent(1)",
      "x".repeat(63),
      "x".repeat(64),
      "arn:aws:s3:::evergate-files",
      "evergate--x-s3",
      "evergate--use1-az4--x-s3",
    ),
  ),
  checksums: fc.constantFrom("WHEN_REQUIRED" as const, "WHEN_SUPPORTED" as const),
  credentials: credentialsArb,
});
const signedAtArb = fc.date({
  min: new Date("2001-01-01T00:00:00Z"),
  max: new Date("2099-12-31T23:59:59Z"),
  noInvalidDate: true,
});

describe("createGetObjectPresigner", () => {
  it("produces byte-identical URLs to getSignedUrl (keys, filenames, cache controls, expiries, regions, endpoints, buckets, styles, session tokens)", async () => {
    await fc.assert(
      fc.asyncProperty(
        setupArb,
        keyArb,
        fc.option(filenameArb, { nil: undefined }),
        fc.option(cacheControlArb, { nil: undefined }),
        fc.integer({ min: 1, max: MAX_PRESIGN_SECONDS }),
        signedAtArb,
        async (setup, key, filename, cacheControl, expiresIn, signedAt) => {
          const disposition = filename === undefined ? undefined : attachmentDisposition(filename);
          const [ours, sdk] = await Promise.allSettled([
            Promise.resolve().then(() =>
              presignerFor(setup).presign(key, {
                expiresInSeconds: expiresIn,
                signedAt,
                responseCacheControl: cacheControl,
                responseContentDisposition: disposition,
              }),
            ),
            sdkUrl(s3Client(setup), setup.bucket, key, expiresIn, signedAt, disposition, cacheControl),
          ]);
          if (refusedByDesign(setup)) expect(ours.status).toBe("rejected");
          // Where the SDK cannot build a URL (a dotted bucket as a subdomain of an IP), neither may we.
          else if (sdk.status === "rejected") expect(ours.status).toBe("rejected");
          else expect(ours).toEqual(sdk);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("agrees with getSignedUrl on every region, endpoint and bucket of the property, in every combination", async () => {
    const regions = [
      "us-east-1",
      "cn-north-1",
      "us-gov-west-1",
      "us-iso-east-1",
      "eusc-de-east-1",
      "xx-future-9",
    ];
    const endpoints = [
      undefined,
      "http://127.0.0.1:4569",
      "http://localhost:9000",
      "https://s3.example.com:443",
      "https://storage.example.com/base",
    ];
    const buckets = ["evergate-files", "evergate.files.example", "Evergate_Files", "1.2.3.4", "ab", "dash-"];
    const signedAt = new Date("2025-06-01T12:34:56Z");
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" };
    for (const region of regions) {
      for (const endpoint of endpoints) {
        for (const bucket of buckets) {
          for (const forcePathStyle of [false, true]) {
            const setup: Setup = {
              region,
              endpoint,
              forcePathStyle,
              bucket,
              checksums: "WHEN_REQUIRED",
              credentials,
            };
            const [ours, sdk] = await Promise.allSettled([
              Promise.resolve().then(() =>
                presignerFor(setup).presign("a/b c.txt", { expiresInSeconds: 60, signedAt }),
              ),
              sdkUrl(s3Client(setup), bucket, "a/b c.txt", 60, signedAt),
            ]);
            const label = JSON.stringify(setup);
            if (sdk.status === "rejected") expect(ours.status, label).toBe("rejected");
            else expect(ours, label).toEqual(sdk);
          }
        }
      }
    }
  });

  it("stays identical across many URLs from one presigner (cached signing keys)", async () => {
    const setup: Setup = {
      region: "eu-west-1",
      forcePathStyle: false,
      bucket: "evergate-files",
      checksums: "WHEN_REQUIRED",
      credentials: {
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      },
    };
    const client = s3Client(setup);
    const presigner = presignerFor(setup);
    await fc.assert(
      fc.asyncProperty(
        keyArb,
        fc.integer({ min: 1, max: 3600 }),
        signedAtArb,
        async (key, expiresIn, signedAt) => {
          const ours = await presigner.presign(key, { expiresInSeconds: expiresIn, signedAt });
          expect(ours).toBe(await sdkUrl(client, setup.bucket, key, expiresIn, signedAt));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("emits x-id=GetObject and no x-amz-checksum-mode in the app's configuration (WHEN_REQUIRED)", async () => {
    const url = new URL(
      await presignerFor({
        region: "us-east-1",
        forcePathStyle: false,
        bucket: "evergate-files",
        checksums: "WHEN_REQUIRED",
        credentials: { accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token/+=" },
      }).presign("a b/ü.txt", {
        expiresInSeconds: 300,
        signedAt: new Date("2024-05-06T07:08:09.999Z"),
      }),
    );
    expect(url.origin).toBe("https://evergate-files.s3.us-east-1.amazonaws.com");
    expect(url.pathname).toBe("/a%20b/%C3%BC.txt");
    expect([...url.searchParams.keys()]).toEqual([
      "X-Amz-Algorithm",
      "X-Amz-Content-Sha256",
      "X-Amz-Credential",
      "X-Amz-Date",
      "X-Amz-Expires",
      "X-Amz-Security-Token",
      "X-Amz-Signature",
      "X-Amz-SignedHeaders",
      "x-id",
    ]);
    expect(url.searchParams.get("X-Amz-Date")).toBe("20240506T070809Z");
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe("token/+=");
  });

  it("refuses bucket ARNs, S3 Express names and global pseudo-regions when it is built, not per URL", () => {
    const settings = settingsOf({
      region: "eu-west-1",
      forcePathStyle: false,
      bucket: "evergate-files",
      checksums: "WHEN_REQUIRED",
      credentials: { accessKeyId: "A", secretAccessKey: "s" },
    });
    expect(() => createGetObjectPresigner("arn:aws:s3:::evergate-files", settings)).toThrow(/plain bucket/);
    expect(() => createGetObjectPresigner("evergate--use1-az4--x-s3", settings)).toThrow(/plain bucket/);
    expect(() => createGetObjectPresigner("evergate-files", { ...settings, region: "aws-global" })).toThrow(
      /region/,
    );
    expect(() => createGetObjectPresigner("evergate-files", settings)).not.toThrow();
  });

  // In src/deps.ts the presigner's provider is the SDK's own (the DynamoDB client's default chain).
  const sdkProvider = (provider: () => Promise<SigningCredentials>) =>
    new DynamoDBClient({ region: "eu-west-1", credentials: provider }).config.credentials;

  it("follows the SDK provider when the credentials rotate", async () => {
    let generation = 0;
    // Expiring inside the SDK's 5-minute refresh window, so the provider asks again every time.
    const credentials = sdkProvider(async () => {
      generation += 1;
      return {
        accessKeyId: `KEY${generation}`,
        secretAccessKey: `secret${generation}`,
        expiration: new Date(Date.now() + 120_000),
      };
    });
    const presigner = createGetObjectPresigner("evergate-files", {
      region: "eu-west-1",
      forcePathStyle: false,
      responseChecksumValidation: "WHEN_REQUIRED",
      credentials,
    });
    const first = new URL(await presigner.presign("k", { expiresInSeconds: 60 }));
    expect(first.searchParams.get("X-Amz-Credential")).toMatch(new RegExp(`^KEY${generation}/`));
    const before = generation;
    const second = new URL(await presigner.presign("k", { expiresInSeconds: 60 }));
    expect(generation).toBeGreaterThan(before);
    expect(second.searchParams.get("X-Amz-Credential")).toMatch(new RegExp(`^KEY${generation}/`));
  });

  it("does not ask the credential source again while the SDK provider's credentials are fresh", async () => {
    let calls = 0;
    const credentials = sdkProvider(async () => {
      calls += 1;
      return { accessKeyId: "KEY", secretAccessKey: "secret", expiration: new Date(Date.now() + 3_600_000) };
    });
    const presigner = createGetObjectPresigner("evergate-files", {
      region: "eu-west-1",
      forcePathStyle: false,
      responseChecksumValidation: "WHEN_REQUIRED",
      credentials,
    });
    for (let i = 0; i < 20; i++) await presigner.presign(`k${i}`, { expiresInSeconds: 60 });
    expect(calls).toBe(1);
  });

  it("caps the validity at the credentials' expiration, and the capped URL still matches the SDK's", async () => {
    const signedAt = new Date();
    const setup: Setup = {
      region: "eu-west-1",
      forcePathStyle: false,
      bucket: "evergate-files",
      checksums: "WHEN_REQUIRED",
      credentials: {
        accessKeyId: "ASIAEXAMPLE",
        secretAccessKey: "secret",
        sessionToken: "session",
        expiration: new Date(signedAt.getTime() + 900_500),
      },
    };
    const url = await presignerFor(setup).presign("k", { expiresInSeconds: 3600, signedAt });
    expect(new URL(url).searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url).toBe(await sdkUrl(s3Client(setup), "evergate-files", "k", 900, signedAt));
    // Shorter than what is left: untouched.
    const short = await presignerFor(setup).presign("k", { expiresInSeconds: 300, signedAt });
    expect(new URL(short).searchParams.get("X-Amz-Expires")).toBe("300");
  });

  it("refuses to sign with credentials that have already expired", async () => {
    const presigner = presignerFor({
      region: "eu-west-1",
      forcePathStyle: false,
      bucket: "evergate-files",
      checksums: "WHEN_REQUIRED",
      credentials: { accessKeyId: "A", secretAccessKey: "s", expiration: new Date(Date.now() - 1000) },
    });
    await expect(presigner.presign("k", { expiresInSeconds: 60, signedAt: new Date() })).rejects.toThrow(
      /expire/,
    );
  });
});

describe("validitySeconds", () => {
  const at = new Date("2024-01-01T00:00:00Z");
  it("rejects what SigV4 cannot express", () => {
    for (const bad of [0, -1, 1.5, MAX_PRESIGN_SECONDS + 1, Number.NaN]) {
      expect(() => validitySeconds(bad, at)).toThrow(RangeError);
    }
  });
  it("never exceeds the time the credentials have left", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_PRESIGN_SECONDS }),
        fc.integer({ min: 1_000, max: 10 * MAX_PRESIGN_SECONDS * 1000 }),
        (requested, leftMs) => {
          const expires = validitySeconds(requested, at, new Date(at.getTime() + leftMs));
          expect(expires).toBeLessThanOrEqual(requested);
          expect(at.getTime() + expires * 1000).toBeLessThanOrEqual(at.getTime() + leftMs);
          expect(expires).toBe(Math.min(requested, Math.floor(leftMs / 1000)));
        },
      ),
    );
  });
});
