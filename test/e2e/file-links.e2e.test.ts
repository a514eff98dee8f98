import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildLambda } from "../../scripts/build.ts";
import { downloadFrom, visit } from "../support/downloads.ts";
import { filesApi } from "../support/files.ts";
import { json, startTestEvergate, type TestEvergate, type TestUser } from "../support/harness.ts";
import { serveBuiltLambda } from "../support/lambda-environment.ts";
import { axeProblems } from "../support/page-checks.ts";

/**
 * Issue 17's last step, as a recipient meets it: a service holding only an API key uploads a file
 * (POST /api/files) and mints `{ fileId }` links; the recipient opens /l/{token} in Chromium. An
 * unlimited link downloads at once; a limited one shows what the click spends (the file's name
 * and size), downloads, and is then used up. The download event, the saved name (unicode) and the
 * bytes are asserted, through the app over HTTP and through the built Lambda bundle.
 */
const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
const FILENAME = "Rechnung März 2026 ☃.pdf";
const BYTES = new Uint8Array(randomBytes(1_234_567));

let evergate: TestEvergate;
let browser: Browser;
let service: TestUser;
let apiKey: string;
let fileId: string;
let bundleDir: string;
let lambdaSite: { url: string; close(): Promise<void> } | undefined;
const cspViolations: string[] = [];

type Created = { id: string; token: string; target: { kind: string; fileId?: string; filename?: string } };

async function createFileLink(body: Record<string, unknown> = {}): Promise<Created> {
  const response = await evergate.request("POST", "/api/links", {
    token: apiKey,
    json: { fileId, recipient: "customer@example.com", ...body },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return json<Created>(response);
}

const countOf = async (link: Created) => (await evergate.deps.stores.links.get(link.id))?.downloadCount;

async function freshPage(
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
  });
  return { context, page };
}

function expectTheFile(got: { filename: string; bytes: Buffer; failure: string | null }) {
  expect(got.failure).toBeNull();
  expect(got.filename).toBe(FILENAME);
  expect(got.bytes.length).toBe(BYTES.length);
  expect(got.bytes.equals(Buffer.from(BYTES))).toBe(true);
}

beforeAll(async () => {
  if (!hasChromium) return;
  bundleDir = await mkdtemp(join(tmpdir(), "evergate-file-links-e2e-"));
  const [started, launched] = await Promise.all([
    startTestEvergate(),
    chromium.launch({ executablePath: chromiumPath, args: ["--headless", "--no-sandbox", "--disable-gpu"] }),
    buildLambda(bundleDir),
  ]);
  evergate = started;
  browser = launched;

  // The service: a person makes it a key once; from then on it holds only the key.
  service = await evergate.newUser("invoicing");
  const key = await evergate.request("POST", "/api/keys", {
    token: service.token,
    json: { name: "invoicing backend", scopes: ["files:read", "files:write", "links:write"] },
  });
  expect(key.status).toBe(201);
  apiKey = (await json<{ key: string }>(key)).key;
  fileId = await filesApi(evergate).upload(apiKey, BYTES, FILENAME, "application/pdf");

  lambdaSite = await serveBuiltLambda(evergate, bundleDir);
}, 180_000);

afterAll(async () => {
  await lambdaSite?.close();
  await browser?.close();
  await evergate?.stop();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

const waysIn = [
  { name: "the app over HTTP", base: () => evergate.url },
  { name: "the built Lambda behind a function URL", base: () => lambdaSite?.url ?? "" },
];

for (const way of waysIn) {
  describe.skipIf(!hasChromium)(`a recipient opens a file link in Chromium, through ${way.name}`, () => {
    const linkUrl = (link: Created) => `${way.base()}/l/${link.token}`;

    it("an unlimited file link: the download starts at once, the file's name in unicode, its exact bytes", async () => {
      const link = await createFileLink();
      expect(link.target).toEqual({ kind: "file", fileId, filename: FILENAME });
      const { context, page } = await freshPage();

      expectTheFile(await downloadFrom(page, () => visit(page, linkUrl(link))));

      expect(await countOf(link)).toBe(1);
      await context.close();
    });

    it("a limited file link: the confirm page names the file and its size, the button downloads it, then it is used up", async () => {
      const link = await createFileLink({ maxDownloads: 1, graceSeconds: 0 });
      const { context, page } = await freshPage({
        userAgent: `Mozilla/5.0 Chrome/131 recipient-${way.name}`,
      });

      const shown = await page.goto(linkUrl(link));
      expect(shown?.status()).toBe(200);
      expect(await page.locator("h1").textContent()).toBe(FILENAME);
      expect(await page.locator("h1 + p").textContent()).toBe(`shared by ${service.username} · 1.2 MB`);
      expect(await page.locator("p.note").textContent()).toBe("This link has 1 download left.");
      expect(await axeProblems(page)).toEqual([]);
      expect(await countOf(link)).toBe(0);

      const got = await downloadFrom(page, () => page.getByRole("button", { name: "Download" }).click());
      expectTheFile(got);
      await expect.poll(() => page.locator("h1").textContent()).toBe("Your download is starting…");
      expect(await countOf(link)).toBe(1);

      const again = await page.goto(linkUrl(link));
      expect(again?.status()).toBe(410);
      expect(await page.locator("h1").textContent()).toBe("This link has no downloads left");
      expect(await page.content()).not.toMatch(/X-Amz|Rechnung/);
      expect(await countOf(link)).toBe(1);
      await context.close();
    });
  });
}

describe.skipIf(!hasChromium)("the file link pages break no rule of their own CSP", () => {
  it("saw no Content Security Policy violation in any case above", () => {
    expect(cspViolations).toEqual([]);
  });
});
