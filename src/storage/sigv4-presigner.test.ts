import { GetObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attachmentDisposition } from "#src/domain/content-disposition.ts";
import { createGetObjectPresigner, MAX_PRESIGN_SECONDS, validitySeconds } from "./sigv4-presigner.ts";

interface Setup {
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  bucket: string;
  checksums: "WHEN_REQUIRED" | "WHEN_SUPPORTED";
  credentials: NonNullable<S3ClientConfig["credentials"]>;
}

/** The S3 client exactly as src/deps.ts builds it, with the knobs the property varies. */
const s3Client = (setup: Setup) =>
  new S3Client({
    region: setup.region,
    endpoint: setup.endpoint,
    forcePathStyle: setup.forcePathStyle,
    credentials: setup.credentials,
    requestChecksumCalculation: setup.checksums,
    responseChecksumValidation: setup.checksums,
  });

const sdkUrl = (
  client: S3Client,
  bucket: string,
  key: string,
  expiresIn: number,
  signingDate: Date,
  disposition?: string,
) =>
  getSignedUrl(
    client,
    new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: disposition }),
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
const credentialsArb = fc.record({
  accessKeyId: fc.stringMatching(/^[A-Z0-9]{16,20}$/),
  secretAccessKey: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 40 }),
  sessionToken: fc.option(fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 300 }), {
    nil: undefined,
  }),
});
const setupArb: fc.Arbitrary<Setup> = fc.record({
  region: fc.constantFrom(
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "sa-east-1",
    "cn-north-1",
    "us-gov-west-1",
  ),
  endpoint: fc.constantFrom(
    undefined,
    "http://127.0.0.1:4569",
    "http://localhost:9000",
    "https://s3.example.com",
    "https://storage.example.com/base/",
  ),
  forcePathStyle: fc.boolean(),
  bucket: fc.constantFrom("evergate-files", "evergate.files.example", "b12"),
  checksums: fc.constantFrom("WHEN_REQUIRED" as const, "WHEN_SUPPORTED" as const),
  credentials: credentialsArb,
});
const signedAtArb = fc.date({
  min: new Date("2001-01-01T00:00:00Z"),
  max: new Date("2099-12-31T23:59:59Z"),
  noInvalidDate: true,
});

describe("createGetObjectPresigner", () => {
  it("produces byte-identical URLs to getSignedUrl (keys, filenames, expiries, regions, styles, session tokens)", async () => {
    await fc.assert(
      fc.asyncProperty(
        setupArb,
        keyArb,
        fc.option(filenameArb, { nil: undefined }),
        fc.integer({ min: 1, max: MAX_PRESIGN_SECONDS }),
        signedAtArb,
        async (setup, key, filename, expiresIn, signedAt) => {
          const client = s3Client(setup);
          const disposition = filename === undefined ? undefined : attachmentDisposition(filename);
          const [ours, sdk] = await Promise.allSettled([
            createGetObjectPresigner(client, setup.bucket).presign(key, {
              expiresInSeconds: expiresIn,
              signedAt,
              responseContentDisposition: disposition,
            }),
            sdkUrl(client, setup.bucket, key, expiresIn, signedAt, disposition),
          ]);
          // Where the SDK cannot build a URL (a dotted bucket as a subdomain of an IP), neither may we.
          if (sdk.status === "rejected") expect(ours.status).toBe("rejected");
          else expect(ours).toEqual(sdk);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("stays identical across many URLs from one presigner (cached endpoint and signing keys)", async () => {
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
    const presigner = createGetObjectPresigner(client, setup.bucket);
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
    const client = s3Client({
      region: "us-east-1",
      forcePathStyle: false,
      bucket: "evergate-files",
      checksums: "WHEN_REQUIRED",
      credentials: { accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token/+=" },
    });
    const url = new URL(
      await createGetObjectPresigner(client, "evergate-files").presign("a b/ü.txt", {
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

  it("follows the client's credential provider when the credentials rotate", async () => {
    let generation = 0;
    const client = new S3Client({
      region: "eu-west-1",
      // Expiring inside the SDK's 5-minute refresh window, so the client asks again every time.
      credentials: async () => {
        generation += 1;
        return {
          accessKeyId: `KEY${generation}`,
          secretAccessKey: `secret${generation}`,
          expiration: new Date(Date.now() + 120_000),
        };
      },
    });
    const presigner = createGetObjectPresigner(client, "evergate-files");
    const first = new URL(await presigner.presign("k", { expiresInSeconds: 60 }));
    expect(first.searchParams.get("X-Amz-Credential")).toMatch(new RegExp(`^KEY${generation}/`));
    const before = generation;
    const second = new URL(await presigner.presign("k", { expiresInSeconds: 60 }));
    expect(generation).toBeGreaterThan(before);
    expect(second.searchParams.get("X-Amz-Credential")).toMatch(new RegExp(`^KEY${generation}/`));
  });

  it("caps the validity at the credentials' expiration, and the capped URL still matches the SDK's", async () => {
    const signedAt = new Date();
    const credentials = {
      accessKeyId: "ASIAEXAMPLE",
      secretAccessKey: "secret",
      sessionToken: "session",
      expiration: new Date(signedAt.getTime() + 900_500),
    };
    const client = new S3Client({ region: "eu-west-1", credentials: async () => credentials });
    const url = await createGetObjectPresigner(client, "evergate-files").presign("k", {
      expiresInSeconds: 3600,
      signedAt,
    });
    expect(new URL(url).searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url).toBe(await sdkUrl(client, "evergate-files", "k", 900, signedAt));
    // Shorter than what is left: untouched.
    const short = await createGetObjectPresigner(client, "evergate-files").presign("k", {
      expiresInSeconds: 300,
      signedAt,
    });
    expect(new URL(short).searchParams.get("X-Amz-Expires")).toBe("300");
  });

  it("refuses to sign with credentials that have already expired", async () => {
    const client = new S3Client({
      region: "eu-west-1",
      credentials: { accessKeyId: "A", secretAccessKey: "s", expiration: new Date(Date.now() - 1000) },
    });
    await expect(
      createGetObjectPresigner(client, "evergate-files").presign("k", {
        expiresInSeconds: 60,
        signedAt: new Date(),
      }),
    ).rejects.toThrow(/expire/);
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
