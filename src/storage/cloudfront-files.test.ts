import { describe, expect, it } from "vitest";
import { attachmentDisposition } from "#src/domain/content-disposition.ts";
import { DELIVERABLE_CACHE_CONTROL, promoImageCacheControl } from "#src/domain/served-file.ts";
import { cdnKeyPair, edgeVerdict } from "../../test/support/cloudfront-url.ts";
import { cloudFrontFileStorage } from "./cloudfront-files.ts";
import { s3FileStorage } from "./s3-files.ts";

const keys = cdnKeyPair();
const other = cdnKeyPair();
const KEY_PAIR_ID = "K2JCJMDEHXQW5F";
const trusted = { [KEY_PAIR_ID]: keys.publicKey };

const s3 = s3FileStorage({
  bucket: "evergate-files",
  region: "eu-west-1",
  forcePathStyle: false,
  responseChecksumValidation: "WHEN_REQUIRED",
  credentials: async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }),
});

function storage(privateKey = keys.privateKey) {
  let reads = 0;
  const files = cloudFrontFileStorage(s3, {
    baseUrl: "https://d111111abcdef8.cloudfront.net/",
    keyPairId: KEY_PAIR_ID,
    privateKey: async () => {
      reads++;
      return privateKey;
    },
    signingWindowSeconds: 60,
  });
  return { files, reads: () => reads };
}

const deliverable = (signedAt: Date, downloadFilename = "Field recordings (vol. 2).zip") => ({
  expiresInSeconds: 300,
  signedAt,
  cacheControl: DELIVERABLE_CACHE_CONTROL,
  downloadFilename,
});

describe("cloudFrontFileStorage: CloudFront signed URLs behind the FileStorage port", () => {
  it("signs https://{cdn}/{key} with the pinned headers, a URL the edge accepts with the public key", async () => {
    // Prepare
    const { files } = storage();
    const signedAt = new Date("2026-11-27T23:41:17.250Z");
    // Act
    const url = await files.presignGet("files/prd_1/abc def", deliverable(signedAt));
    // Assess
    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).toBe(
      "https://d111111abcdef8.cloudfront.net/files/prd_1/abc%20def",
    );
    expect([...parsed.searchParams.keys()]).toEqual([
      "response-cache-control",
      "response-content-disposition",
      "Expires",
      "Key-Pair-Id",
      "Signature",
    ]);
    expect(parsed.searchParams.get("response-content-disposition")).toBe(
      attachmentDisposition("Field recordings (vol. 2).zip"),
    );
    expect(parsed.searchParams.get("response-cache-control")).toBe(DELIVERABLE_CACHE_CONTROL);
    const verdict = edgeVerdict(url, trusted, Math.floor(signedAt.getTime() / 1000));
    expect(verdict).toMatchObject({ allowed: true, keyPairId: KEY_PAIR_ID });
  });

  it("expires at the signing window's start plus the validity: never later than asked, at most a window earlier", async () => {
    const { files } = storage();
    const signedAt = new Date("2026-11-27T23:41:17.250Z");
    const url = await files.presignGet("files/f_1", deliverable(signedAt));
    const expires = Number(new URL(url).searchParams.get("Expires"));
    // 23:41:00 + 300 s
    expect(expires).toBe(Date.parse("2026-11-27T23:46:00Z") / 1000);
    expect(expires).toBeLessThanOrEqual(signedAt.getTime() / 1000 + 300);
    expect(expires).toBeGreaterThan(signedAt.getTime() / 1000 + 300 - 60);
    // A promo image asks for two image windows from its own window's start: kept as asked.
    const image = await files.presignGet("files/prd_1/img", {
      expiresInSeconds: 1200,
      signedAt: new Date("2026-11-27T23:40:00Z"),
      cacheControl: promoImageCacheControl(600),
    });
    const imageUrl = new URL(image);
    expect(Number(imageUrl.searchParams.get("Expires"))).toBe(Date.parse("2026-11-28T00:00:00Z") / 1000);
    expect(imageUrl.searchParams.get("response-content-disposition")).toBe("inline");
    expect(imageUrl.searchParams.get("response-cache-control")).toBe("private, max-age=600");
  });

  it("gives every hit on one file in one window the byte-identical URL, signed once; the next window a new one", async () => {
    const { files, reads } = storage();
    const first = await files.presignGet("files/f_1", deliverable(new Date("2026-11-27T23:41:00.000Z")));
    const again = await files.presignGet("files/f_1", deliverable(new Date("2026-11-27T23:41:59.999Z")));
    const next = await files.presignGet("files/f_1", deliverable(new Date("2026-11-27T23:42:00.000Z")));
    const otherName = await files.presignGet(
      "files/f_1",
      deliverable(new Date("2026-11-27T23:41:30Z"), "renamed.zip"),
    );
    expect(again).toBe(first);
    expect(next).not.toBe(first);
    expect(otherName).not.toBe(first);
    expect(reads()).toBe(1);
  });

  it("a forged or expired URL is refused at the edge (signature and expiry checked before any cache)", async () => {
    const { files } = storage();
    const signedAt = new Date("2026-11-27T23:41:17Z");
    const now = Math.floor(signedAt.getTime() / 1000);
    const url = await files.presignGet("files/f_1", deliverable(signedAt));
    const expires = Number(new URL(url).searchParams.get("Expires"));
    expect(edgeVerdict(url, trusted, now).allowed).toBe(true);
    // Another file, another name, inline instead of attachment, a later expiry: the signature breaks.
    expect(edgeVerdict(url.replace("files/f_1", "files/f_2"), trusted, now)).toEqual({
      allowed: false,
      reason: "signature",
    });
    expect(
      edgeVerdict(
        url.replace(/response-content-disposition=[^&]+/, "response-content-disposition=inline"),
        trusted,
        now,
      ),
    ).toMatchObject({ allowed: false, reason: "signature" });
    expect(
      edgeVerdict(url.replace(`Expires=${expires}`, `Expires=${expires + 3600}`), trusted, now),
    ).toMatchObject({
      allowed: false,
      reason: "signature",
    });
    // Signed with a key the distribution does not trust, under our key id.
    const stranger = await storage(other.privateKey).files.presignGet("files/f_1", deliverable(signedAt));
    expect(edgeVerdict(stranger, trusted, now)).toMatchObject({ allowed: false, reason: "signature" });
    // The genuine URL one second after its expiry.
    expect(edgeVerdict(url, trusted, expires)).toMatchObject({ allowed: false, reason: "expired" });
  });

  it("keeps the S3 storage for everything but GETs, and refuses a validity outside 1 s..7 days", async () => {
    const { files } = storage();
    const put = await files.presignPut("pending/u_1", {
      contentType: "image/png",
      size: 10,
      expiresInSeconds: 60,
    });
    expect(new URL(put.url).host).toBe("evergate-files.s3.eu-west-1.amazonaws.com");
    await expect(
      files.presignGet("files/f_1", { ...deliverable(new Date()), expiresInSeconds: 0 }),
    ).rejects.toThrow(RangeError);
  });
});
