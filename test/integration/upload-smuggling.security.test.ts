import { randomBytes } from "node:crypto";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachmentDisposition } from "#src/domain/content-disposition.ts";
import {
  DELIVERABLE_CACHE_CONTROL,
  PROMO_IMAGE_DISPOSITION,
  promoImageCacheControl,
} from "#src/domain/served-file.ts";
import { json, startTestEvergate, type TestEvergate, type TestUser, testPng } from "../support/harness.ts";
import { strictS3FromEnv } from "../support/strict-s3.ts";

/**
 * Issue 15 §3: a presigned PUT signs only host, content-type and content-length, so S3 also takes
 * unsigned headers with it and stores them with the object. Whatever the uploader smuggles must
 * not come back on the file Evergate serves, by any path. Runs on s3rver (`npm test`) and on Ceph
 * RGW (`npm run test:strict`, which runs test/integration/ again against RGW).
 */

let evergate: TestEvergate;
let s3: S3Client;
let author: TestUser;
let buyer: TestUser;

beforeAll(async () => {
  evergate = await startTestEvergate();
  [author, buyer] = await Promise.all([evergate.newUser("smuggler"), evergate.newUser("buyer")]);
  const strict = strictS3FromEnv();
  s3 = new S3Client({
    region: evergate.config.AWS_REGION,
    endpoint: evergate.config.S3_ENDPOINT,
    forcePathStyle: true,
    credentials: strict?.credentials ?? evergate.stack.credentials,
  });
});
afterAll(async () => {
  s3?.destroy();
  await evergate?.stop();
});

/** Each header an uploader may add to the presigned PUT, and what it would do on the served file. */
const smuggled: Record<string, string> = {
  // Shared caches could keep a paid file for a year, after a refund or a revocation.
  "Cache-Control": "public, max-age=31536000, immutable",
  // A promo image saved as an executable; a deliverable saved under another name.
  "Content-Disposition": 'attachment; filename="invoice.exe"',
  Expires: "Thu, 01 Jan 2099 00:00:00 GMT",
  // The browser would "decompress" the bytes: another file than the one checked.
  "Content-Encoding": "gzip",
  "Content-Language": "xx-smuggled",
  "x-amz-meta-smuggled": "yes",
  "x-amz-website-redirect-location": "https://evil.example/",
};
const allAtOnce = "all of them at once";

/** What no served file may carry, whatever was smuggled. */
const neverServed = ["expires", "content-encoding", "content-language", "x-amz-website-redirect-location"];

interface Ticket {
  uploadId: string;
  url: string;
  headers: Record<string, string>;
}

async function smuggleUpload(
  kind: "promoImage" | "deliverable",
  body: Uint8Array,
  contentType: string,
  filename: string,
  extra: Record<string, string>,
): Promise<{ ticket: Ticket; accepted: boolean }> {
  const answer = await evergate.request("POST", "/api/uploads", {
    token: author.token,
    json: { kind, contentType, size: body.length, filename },
  });
  expect(answer.status).toBe(201);
  const ticket = await json<Ticket>(answer);
  // The signed headers exactly as the API says, plus the smuggled ones; the API's own win.
  const put = await fetch(ticket.url, {
    method: "PUT",
    headers: { ...extra, ...ticket.headers },
    body: Buffer.from(body),
  });
  await put.body?.cancel();
  if (put.ok) return { ticket, accepted: true };
  // AWS refuses unsigned x-amz-* headers (HeadersNotSigned); then the upload is simply redone clean.
  expect(put.status).toBe(403);
  const clean = await fetch(ticket.url, { method: "PUT", headers: ticket.headers, body: Buffer.from(body) });
  await clean.body?.cancel();
  expect(clean.status).toBe(200);
  return { ticket, accepted: false };
}

/** The pending object as S3 stored it: proof that the smuggling itself worked on this server. */
async function storedMetadata(ticket: Ticket) {
  const key = decodeURIComponent(new URL(ticket.url).pathname).split("/").slice(2).join("/");
  const head = await s3.send(new HeadObjectCommand({ Bucket: evergate.config.FILES_BUCKET, Key: key }));
  return {
    "cache-control": head.CacheControl,
    "content-disposition": head.ContentDisposition,
    "content-encoding": head.ContentEncoding,
    "content-language": head.ContentLanguage,
    expires: head.ExpiresString ?? (head.Expires ? head.Expires.toUTCString() : undefined),
    metadata: head.Metadata ?? {},
  };
}

async function servedFrom(location: string | null) {
  expect(location).toMatch(/^http/);
  const response = await fetch(location as string);
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect(response.status).toBe(200);
  return { headers: response.headers, bytes };
}

function expectClean(
  served: { headers: Headers; bytes: Uint8Array },
  expected: { bytes: Uint8Array; contentType: string; cacheControl: string; disposition: string },
) {
  expect(Buffer.from(served.bytes).equals(Buffer.from(expected.bytes))).toBe(true);
  expect(served.headers.get("content-type")).toBe(expected.contentType);
  expect(served.headers.get("cache-control")).toBe(expected.cacheControl);
  expect(served.headers.get("content-disposition")).toBe(expected.disposition);
  for (const name of neverServed) expect(served.headers.get(name), name).toBeNull();
  const userMetadata = [...served.headers.keys()].filter((name) => name.startsWith("x-amz-meta-"));
  expect(userMetadata).toEqual([]);
}

const cases = [...Object.keys(smuggled).map((name) => [name, { [name]: smuggled[name] as string }] as const)];
cases.push([allAtOnce, smuggled]);

describe("a presigned PUT with smuggled headers, then the product and every way its files are served", () => {
  it.each(cases)(
    "%s: absent or pinned on the download, the link, and the promo image",
    async (_name, extra) => {
      const deliverable = new TextEncoder().encode(`paid bytes ${randomBytes(8).toString("hex")}`);
      const filename = "Paid report.txt";
      const image = await smuggleUpload("promoImage", testPng, "image/png", "promo.png", extra);
      const file = await smuggleUpload("deliverable", deliverable, "text/plain", filename, extra);

      // Standard headers are not x-amz-*: every S3 (AWS too) accepts them unsigned and stores them.
      const standard = Object.keys(extra).filter((name) => !name.startsWith("x-amz-"));
      if (standard.length > 0) {
        expect(image.accepted && file.accepted).toBe(true);
        const stored = await storedMetadata(file.ticket);
        for (const name of standard)
          expect(stored[name.toLowerCase() as keyof typeof stored], name).toBeTruthy();
      }

      const created = await evergate.request("POST", "/api/products", {
        token: author.token,
        json: {
          title: `Smuggled ${_name}`,
          description: "Uploaded with extra headers.",
          price: { amount: 0, currency: "EUR" },
          imageUploadId: image.ticket.uploadId,
          deliverableUploadId: file.ticket.uploadId,
        },
      });
      expect(created.status).toBe(201);
      const product = await json<{ id: string }>(created);
      expect(
        (await evergate.request("POST", `/api/products/${product.id}/orders`, { token: buyer.token })).status,
      ).toBeLessThan(300);

      const asDeliverable = {
        bytes: deliverable,
        contentType: "text/plain",
        cacheControl: DELIVERABLE_CACHE_CONTROL,
        disposition: attachmentDisposition(filename),
      };
      for (const caller of [author, buyer]) {
        const download = await evergate.request("GET", `/api/products/${product.id}/download`, {
          token: caller.token,
        });
        expect(download.status).toBe(302);
        expectClean(await servedFrom(download.headers.get("location")), asDeliverable);
        const asJson = await evergate.request("GET", `/api/products/${product.id}/download`, {
          token: caller.token,
          headers: { accept: "application/json" },
        });
        expectClean(await servedFrom((await json<{ url: string }>(asJson)).url), asDeliverable);
      }

      const link = await evergate.request("POST", "/api/links", {
        token: buyer.token,
        json: { productId: product.id },
      });
      expect(link.status).toBe(201);
      const { token } = await json<{ token: string }>(link);
      const hit = await evergate.request("GET", `/l/${token}`);
      expect(hit.status).toBe(302);
      expectClean(await servedFrom(hit.headers.get("location")), asDeliverable);

      const promo = await evergate.request("GET", `/api/products/${product.id}/image`);
      expect(promo.status).toBe(302);
      expectClean(await servedFrom(promo.headers.get("location")), {
        bytes: testPng,
        contentType: "image/png",
        cacheControl: promoImageCacheControl(evergate.config.IMAGE_CACHE_WINDOW_SECONDS),
        disposition: PROMO_IMAGE_DISPOSITION,
      });
    },
  );

  it("a product edit with new smuggled uploads serves them clean too", async () => {
    const first = await evergate.createProduct(author);
    const deliverable = new TextEncoder().encode("second version");
    const image = await smuggleUpload("promoImage", testPng, "image/png", "new.png", smuggled);
    const file = await smuggleUpload("deliverable", deliverable, "text/plain", "v2.txt", smuggled);
    const edited = await evergate.request("PATCH", `/api/products/${first.id}`, {
      token: author.token,
      json: {
        version: first.version,
        imageUploadId: image.ticket.uploadId,
        deliverableUploadId: file.ticket.uploadId,
      },
    });
    expect(edited.status).toBe(200);
    const download = await evergate.request("GET", `/api/products/${first.id}/download`, {
      token: author.token,
    });
    expectClean(await servedFrom(download.headers.get("location")), {
      bytes: deliverable,
      contentType: "text/plain",
      cacheControl: DELIVERABLE_CACHE_CONTROL,
      disposition: attachmentDisposition("v2.txt"),
    });
    const promo = await evergate.request("GET", `/api/products/${first.id}/image`);
    expectClean(await servedFrom(promo.headers.get("location")), {
      bytes: testPng,
      contentType: "image/png",
      cacheControl: promoImageCacheControl(evergate.config.IMAGE_CACHE_WINDOW_SECONDS),
      disposition: PROMO_IMAGE_DISPOSITION,
    });
  });
});
