import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEvergate, type TestEvergate, type TestUser, testPng } from "../support/harness.ts";

/** Attacks found by the red-team review; each one failed before its fix. */

let evergate: TestEvergate;
let author: TestUser;
const webappDir = mkdtempSync(join(tmpdir(), "evergate-attacks-webapp-"));

beforeAll(async () => {
  writeFileSync(join(webappDir, "index.html"), "<!doctype html><title>shell</title>");
  writeFileSync(join(webappDir, "app.js"), "console.log('app')");
  evergate = await startTestEvergate({ webappDir });
  author = await evergate.newUser("attacks");
});
afterAll(async () => {
  await evergate?.stop();
  rmSync(webappDir, { recursive: true, force: true });
});

/** A raw request line, exactly as written: fetch() would normalise or refuse some of these paths. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port: evergate.port, method: "GET", path }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

describe("the static webapp server (npm start)", () => {
  it.each(["/%E0%A4%A", "/%", "/products/%ZZ", "/app%C0.js"])(
    "GET %s: a malformed percent-escape is a 400, never a 500",
    async (path) => {
      const response = await rawGet(path);
      expect(response.status).toBe(400);
    },
  );

  it.each([
    "/..%2f..%2fpackage.json",
    "/%2e%2e/%2e%2e/package.json",
    "/..%5c..%5cpackage.json",
    "/x/..%2f..%2f..%2f..%2fetc%2fpasswd.js",
    "/app.js%00.map",
  ])("GET %s never serves a file outside the webapp", async (path) => {
    const response = await rawGet(path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain('"name"');
    expect(response.body).not.toContain("root:");
  });
});

describe("POST /api/products: a promo image swapped after it was checked", () => {
  it("re-PUT through the still-valid upload URL between the check and the copy: 422, and no product", async () => {
    const size = testPng.length;
    const ticket = await json<{ uploadId: string; url: string; headers: Record<string, string> }>(
      await evergate.request("POST", "/api/uploads", {
        token: author.token,
        json: { kind: "promoImage", contentType: "image/png", size, filename: "promo.png" },
      }),
    );
    const put = (body: Uint8Array) =>
      fetch(ticket.url, { method: "PUT", headers: ticket.headers, body: Buffer.from(body) });
    expect((await put(testPng)).status).toBe(200);
    const deliverableUploadId = await evergate.upload(
      author,
      "deliverable",
      new TextEncoder().encode("the goods"),
      "text/plain",
      "goods.txt",
    );
    const html = Buffer.alloc(size, 0x20);
    html.write("<html><script>alert(document.domain)</script>");

    // The attacker's second PUT lands exactly in the window between verifyUpload and the copy.
    const files = evergate.deps.files;
    const copy = files.copy;
    let swapped = false;
    files.copy = async (from, to, options) => {
      if (!swapped) {
        swapped = true;
        expect((await put(html)).status).toBe(200);
      }
      return copy(from, to, options);
    };
    let response: Response;
    try {
      response = await evergate.request("POST", "/api/products", {
        token: author.token,
        json: {
          title: "Polyglot",
          description: "An image that is not one.",
          price: { amount: 100, currency: "EUR" },
          imageUploadId: ticket.uploadId,
          deliverableUploadId,
        },
      });
    } finally {
      files.copy = copy;
    }

    expect(swapped).toBe(true);
    expect(response.status).toBe(422);
    expect(await json(response)).toMatchObject({ code: "upload_invalid" });
    const mine = await json<{ items: unknown[] }>(
      await evergate.request("GET", "/api/me/products", { token: author.token }),
    );
    expect(mine.items).toEqual([]);
  });
});

describe("file names that disguise their extension", () => {
  const hidden = [
    "\u3164",
    "\u2800",
    "\u200b",
    "\u2060",
    "\ufeff",
    "\u115f",
    "\u1160",
    "\uffa0",
    "\u180e",
    "\u034f",
    "\u{e0020}",
    "\ufe0f",
    "\u00ad",
    "\u2064",
  ];
  const padding = Array.from({ length: 180 }, (_, i) => hidden[i % hidden.length]).join("");
  const anyInvisible = /[\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]/u;

  it("invisible padding that pushes .exe out of sight reaches neither Content-Disposition nor the pages, on links and downloads", async () => {
    const uploadId = await evergate.upload(
      author,
      "deliverable",
      new TextEncoder().encode("bytes"),
      "text/plain",
      `report.pdf${padding}.exe`,
    );
    const imageUploadId = await evergate.upload(author, "promoImage", testPng, "image/png", "promo.png");
    const product = await json<{ id: string }>(
      await evergate.request("POST", "/api/products", {
        token: author.token,
        json: {
          title: "Padded",
          description: "Its file name hides its extension.",
          price: { amount: 0, currency: "EUR" },
          imageUploadId,
          deliverableUploadId: uploadId,
        },
      }),
    );
    const download = await evergate.request("GET", `/api/products/${product.id}/download`, {
      token: author.token,
    });
    const served = await fetch(download.headers.get("location") ?? "");
    await served.body?.cancel();
    expect(served.headers.get("content-disposition")).toBe(
      `attachment; filename="report.pdf.exe"; filename*=UTF-8''report.pdf.exe`,
    );

    const created = await json<{ token: string }>(
      await evergate.request("POST", "/api/links", {
        token: author.token,
        json: { productId: product.id, filename: `invoice.pdf${padding}.scr`, maxDownloads: 5 },
      }),
    );
    // A limited link: asked for with a POST (a GET never spends it).
    const redirect = await evergate.request("POST", `/l/${created.token}`);
    const disposition = new URL(redirect.headers.get("location") ?? "").searchParams.get(
      "response-content-disposition",
    );
    expect(disposition).toBe(`attachment; filename="invoice.pdf.scr"; filename*=UTF-8''invoice.pdf.scr`);
    for (const headers of [
      { "user-agent": "Slackbot-LinkExpanding 1.0", accept: "text/html" },
      { "user-agent": "Mozilla/5.0", accept: "text/html" },
    ]) {
      const body = await (await evergate.request("GET", `/l/${created.token}`, { headers })).text();
      expect(body).toContain("<h1>invoice.pdf.scr</h1>");
      expect(body).not.toMatch(anyInvisible);
    }
  });

  it.each([
    [
      "an upload's file name",
      "POST",
      "/api/uploads",
      (text: string) => ({ kind: "deliverable", contentType: "text/plain", size: 1, filename: text }),
    ],
    [
      "a product title",
      "POST",
      "/api/products",
      (text: string) => ({
        title: text,
        description: "d",
        price: { amount: 0, currency: "EUR" },
        imageUploadId: "0000000000000000",
        deliverableUploadId: "0000000000000000",
      }),
    ],
    [
      "a link label",
      "POST",
      "/api/links",
      (text: string) => ({ productId: "0000000000000000", label: text }),
    ],
    ["an API key name", "POST", "/api/keys", (text: string) => ({ name: text, scopes: ["links:read"] })],
  ] as const)(
    "text that is only invisible or blank-looking characters is a 400 (%s)",
    async (_what, method, path, body) => {
      for (const text of [
        "\u3164",
        "\u2800\u2800",
        "\u200b \u3000\u115f",
        `${"\u{e0041}".repeat(50)}`,
        "\ufeff\u00ad",
      ]) {
        const response = await evergate.request(method, path, { token: author.token, json: body(text) });
        expect(response.status, JSON.stringify(text)).toBe(400);
        expect(await response.text()).toContain("must contain a visible character");
      }
    },
  );

  it("a link's bidi-override file name reaches neither Content-Disposition nor the preview and confirm pages", async () => {
    const product = await evergate.createProduct(author);
    const created = await json<{ token: string }>(
      await evergate.request("POST", "/api/links", {
        token: author.token,
        json: { productId: product.id, filename: "invoice\u202Efdp.exe", maxDownloads: 5 },
      }),
    );

    const redirect = await evergate.request("POST", `/l/${created.token}`);
    expect(redirect.status).toBe(303);
    const disposition = new URL(redirect.headers.get("location") ?? "").searchParams.get(
      "response-content-disposition",
    );
    expect(disposition).toBe(`attachment; filename="invoicefdp.exe"; filename*=UTF-8''invoicefdp.exe`);

    for (const headers of [
      { "user-agent": "Slackbot-LinkExpanding 1.0", accept: "text/html" },
      { "user-agent": "Mozilla/5.0", accept: "text/html" },
    ]) {
      const page = await evergate.request("GET", `/l/${created.token}`, { headers });
      expect(page.status).toBe(200);
      const body = await page.text();
      expect(body).toContain("<h1>invoicefdp.exe</h1>");
      expect(body).not.toMatch(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    }
  });
});
