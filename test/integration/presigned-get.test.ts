import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEvergate, type TestEvergate } from "../support/harness.ts";

/**
 * The app's own presigner (src/storage/sigv4-presigner.ts) against a real S3 implementation: the
 * embedded stand-in here, Ceph RGW when the strict tier runs this file. Byte-identity with the
 * SDK is the unit test's job; this proves servers accept the signatures, awkward keys included.
 */
let evergate: TestEvergate;

beforeAll(async () => {
  evergate = await startTestEvergate();
});
afterAll(() => evergate?.stop());

const awkwardKeys = [
  "deliverables/plain.txt",
  "deliverables/with space/and+plus.bin",
  "deliverables/per%cent/tilde~/bang!quote'paren()star*.dat",
  "deliverables/ünïcödé/日本語/😀.txt",
  "deliverables/semi;colon,comma=equals&amp$dollar@at.txt",
];
const awkwardNames = [
  '../../etc/pa"ss\r\nSet-Cookie: x=1; y.txt',
  "Résumé (final) v2.pdf",
  "😀 emoji.bin",
  "plain.txt",
];

describe("presigned GET URLs from the app's presigner", () => {
  it.each(awkwardKeys)(
    "S3 serves %s with the exact bytes and the requested Content-Disposition",
    async (key) => {
      const bytes = new TextEncoder().encode(`bytes of ${key}`);
      await evergate.deps.files.put(key, bytes, "application/octet-stream");
      for (const downloadFilename of awkwardNames) {
        const url = await evergate.deps.files.presignGet(key, {
          expiresInSeconds: 60,
          cacheControl: "private, no-store",
          downloadFilename,
        });
        const response = await fetch(url);
        expect(response.status, `${key} as ${downloadFilename}: ${await response.clone().text()}`).toBe(200);
        expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
        const disposition = response.headers.get("content-disposition") ?? "";
        expect(disposition).toMatch(/^attachment; filename="[^"\r\n]*"; filename\*=UTF-8''/);
        expect(disposition).not.toMatch(/[\r\n]/);
      }
    },
  );

  it("S3 refuses a URL whose signature does not match (a tampered key or expiry)", async () => {
    const key = "deliverables/tamper.txt";
    await evergate.deps.files.put(key, new TextEncoder().encode("secret"), "text/plain");
    await evergate.deps.files.put("deliverables/other.txt", new TextEncoder().encode("other"), "text/plain");
    const url = new URL(
      await evergate.deps.files.presignGet(key, { expiresInSeconds: 60, cacheControl: "private, no-store" }),
    );
    const otherKey = new URL(url);
    otherKey.pathname = otherKey.pathname.replace("tamper.txt", "other.txt");
    const longer = new URL(url);
    longer.searchParams.set("X-Amz-Expires", "604800");
    for (const forged of [otherKey, longer]) {
      const response = await fetch(forged);
      expect(response.status).toBe(403);
      await response.body?.cancel();
    }
  });

  it("S3 refuses the URL once it has expired", async () => {
    const key = "deliverables/expired.txt";
    await evergate.deps.files.put(key, new TextEncoder().encode("late"), "text/plain");
    const url = await evergate.deps.files.presignGet(key, {
      expiresInSeconds: 1,
      signedAt: new Date(Date.now() - 60_000),
      cacheControl: "private, no-store",
    });
    const response = await fetch(url);
    expect(response.status).toBe(403);
    await response.body?.cancel();
  });
});
