import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachmentDisposition } from "#src/domain/content-disposition.ts";
import { cdnKeyPair, edgeVerdict } from "../support/cloudfront-url.ts";
import { json, startTestEvergate, type TestEvergate, type TestUser } from "../support/harness.ts";

const CDN = "https://d111111abcdef8.cloudfront.net";
const KEY_PAIR_ID = "K2JCJMDEHXQW5F";
const keys = cdnKeyPair();
const trusted = { [KEY_PAIR_ID]: keys.publicKey };
let secretReads = 0;

let evergate: TestEvergate;
let user: TestUser;

beforeAll(async () => {
  // The composition root as in AWS with the files CDN on (ADR 024): the key comes from the
  // injected source instead of Secrets Manager; S3 (uploads, heads) is still the stand-in.
  evergate = await startTestEvergate({
    configOverrides: {
      FILES_CDN_URL: CDN,
      FILES_CDN_KEY_PAIR_ID: KEY_PAIR_ID,
      FILES_CDN_PRIVATE_KEY_SECRET:
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:evergate-files-cdn-AbCdEf",
    },
    filesCdnPrivateKey: async () => {
      secretReads++;
      return keys.privateKey;
    },
  });
  user = await evergate.newUser("cdn");
});
afterAll(() => evergate?.stop());

describe("files through CloudFront (FILES_CDN_*): awsDeps signs GETs for the distribution", () => {
  it("GET /l/{token} redirects to a https://{cdn}/files/ URL that the edge accepts, for the link's object, with its name", async () => {
    // Prepare
    const product = await evergate.createProduct(user, { filename: "Album (final).zip" });
    const link = await json<{ token: string }>(
      await evergate.request("POST", "/api/links", { token: user.token, json: { productId: product.id } }),
    );
    // Act
    const before = Math.floor(Date.now() / 1000);
    const first = await evergate.request("GET", `/l/${link.token}`, { headers: { "user-agent": "one/1" } });
    const second = await evergate.request("GET", `/l/${link.token}`, { headers: { "user-agent": "two/1" } });
    // Assess
    expect(first.status).toBe(302);
    const location = first.headers.get("location") ?? "";
    expect(location.startsWith(`${CDN}/files/`)).toBe(true);
    const verdict = edgeVerdict(location, trusted);
    expect(verdict.allowed).toBe(true);
    const url = new URL(location);
    expect(url.searchParams.get("response-content-disposition")).toBe(
      attachmentDisposition("Album (final).zip"),
    );
    expect(url.searchParams.get("response-cache-control")).toBe("private, no-store");
    // LINK_URL_TTL_SECONDS (300) from the start of the 60 s signing window.
    const expires = Number(url.searchParams.get("Expires"));
    expect(expires % 60).toBe(0);
    expect(expires).toBeGreaterThan(before + 300 - 61);
    expect(expires).toBeLessThanOrEqual(before + 301);
    // The path is the object's key: /files/* on the distribution is files/* in the bucket.
    const key = decodeURIComponent(url.pathname.slice(1));
    const bytes = await evergate.deps.files.readStart(key, product.deliverableBytes.length);
    expect(bytes).toEqual(product.deliverableBytes);
    // Another client in the same window gets the same URL, so the edge serves both from one entry.
    const sameWindow = Math.floor(Date.now() / 60_000) === Math.floor(before / 60);
    if (sameWindow) expect(second.headers.get("location")).toBe(location);
    expect(secretReads).toBe(1);
  });

  it("the promo image and the author's download come from the CDN too; uploads still go to S3", async () => {
    const product = await evergate.createProduct(user);
    const image = await evergate.request("GET", `/api/products/${product.id}/image`);
    expect(image.status).toBe(302);
    const imageUrl = image.headers.get("location") ?? "";
    expect(imageUrl.startsWith(`${CDN}/files/`)).toBe(true);
    expect(edgeVerdict(imageUrl, trusted).allowed).toBe(true);
    expect(new URL(imageUrl).searchParams.get("response-content-disposition")).toBe("inline");
    const download = await evergate.request("GET", `/api/products/${product.id}/download`, {
      token: user.token,
    });
    expect(download.status).toBe(302);
    const downloadUrl = download.headers.get("location") ?? "";
    expect(downloadUrl.startsWith(`${CDN}/files/`)).toBe(true);
    expect(edgeVerdict(downloadUrl, trusted).allowed).toBe(true);
    // createProduct sent both files through the API's presigned PUTs: those still reach the S3 stand-in.
    expect(secretReads).toBe(1);
  });
});
