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
import { hashToken } from "#src/domain/token.ts";
import { buildLambda } from "../../scripts/build.ts";
import { downloadFrom, visit } from "../support/downloads.ts";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";
import { serveBuiltLambda } from "../support/lambda-environment.ts";

/**
 * /l/{token} as people meet it, in Chromium: a fresh context per case, downloads accepted, and
 * the download event, the saved file name (unicode) and the bytes asserted. Every case runs
 * against the app over HTTP (`npm start`'s server; with STRICT_S3_* the files are in Ceph RGW)
 * and against the BUILT Lambda bundle behind a local function URL stand-in, so the headers the
 * browser obeys are the Lambda's own.
 */
const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
const ciValue = process.env.CI;
const inCi = Boolean(ciValue) && ciValue !== "false" && ciValue !== "0";

describe.runIf(!hasChromium && inCi)("gateway e2e prerequisites", () => {
  it(`has Chromium at ${chromiumPath}`, () => {
    expect.fail(`CI is set but ${chromiumPath} is missing: install Debian's chromium package in .ci/run.`);
  });
});

const FILENAME = "Résumé été ☃ 2026.txt";
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 3,
  userAgent:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
};

let evergate: TestEvergate;
let browser: Browser;
let user: TestUser;
let product: TestProduct;
let bundleDir: string;
let lambdaSite: { url: string; close(): Promise<void> } | undefined;
const cspViolations: string[] = [];

type Created = { id: string; token: string };

async function createLink(body: Record<string, unknown> = {}): Promise<Created> {
  const response = await evergate.request("POST", "/api/links", {
    token: user.token,
    json: { productId: product.id, ...body },
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
  expect(got.bytes.equals(Buffer.from(product.deliverableBytes))).toBe(true);
}

beforeAll(async () => {
  if (!hasChromium) return;
  bundleDir = await mkdtemp(join(tmpdir(), "evergate-gateway-e2e-"));
  const [started, launched] = await Promise.all([
    startTestEvergate(),
    chromium.launch({
      executablePath: chromiumPath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
      ],
    }),
    buildLambda(bundleDir),
  ]);
  evergate = started;
  browser = launched;
  user = await evergate.newUser("gateway");
  product = await evergate.createProduct(user, {
    filename: FILENAME,
    deliverable: new Uint8Array(randomBytes(512 * 1024)),
  });

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
  describe.skipIf(!hasChromium)(`/l/{token} in Chromium, through ${way.name}`, () => {
    const linkUrl = (link: Created | string) =>
      `${way.base()}/l/${typeof link === "string" ? link : link.token}`;

    it("an unlimited link downloads the file at once, named in unicode, counted once", async () => {
      const link = await createLink();
      const { context, page } = await freshPage();
      expectTheFile(await downloadFrom(page, () => visit(page, linkUrl(link))));
      expect(await countOf(link)).toBe(1);
      await context.close();
    });

    it("a one-time link: the confirm page, one click, the file; counted exactly once", async () => {
      const link = await createLink({ maxDownloads: 1 });
      const { context, page } = await freshPage({ userAgent: `Mozilla/5.0 Chrome/131 desktop-${way.name}` });
      const shown = await page.goto(linkUrl(link));
      expect(shown?.status()).toBe(200);
      await expect.poll(() => page.locator("h1").textContent()).toBe(FILENAME);
      // What the click will spend, and on what: the product, its seller and the file's size.
      expect(await page.locator("h1 + p").textContent()).toBe(
        `${product.title} · sold by ${user.username} · 524 kB`,
      );
      expect(await page.locator("p.note").textContent()).toBe("This link has 1 download left.");
      expect(await countOf(link)).toBe(0);

      const got = await downloadFrom(page, () => page.getByRole("button", { name: "Download" }).click());
      expectTheFile(got);
      await expect.poll(() => page.locator("h1").textContent()).toBe("Your download is starting…");
      expect(await page.getByRole("link", { name: /click here/ }).getAttribute("href")).toContain(
        "X-Amz-Signature=",
      );
      expect(await countOf(link)).toBe(1);

      // The same person opening the link again within the grace gets the file straight away, not counted.
      expectTheFile(await downloadFrom(page, () => visit(page, linkUrl(link))));
      expect(await countOf(link)).toBe(1);

      // Someone else (another browser) is told the link is used up.
      const other = await freshPage({ userAgent: "Mozilla/5.0 Firefox/133 someone-else" });
      const refused = await other.page.goto(linkUrl(link));
      expect(refused?.status()).toBe(410);
      expect(await other.page.locator("h1").textContent()).toBe("This link has no downloads left");
      expect(await countOf(link)).toBe(1);
      await other.context.close();
      await context.close();
    });

    it("a passphrase link: a wrong passphrase is told so, the right one downloads; counted once", async () => {
      const link = await createLink({ passphrase: "blue heron at dawn" });
      const { context, page } = await freshPage({ userAgent: `Mozilla/5.0 Chrome/131 pass-${way.name}` });
      const shown = await page.goto(linkUrl(link));
      expect(shown?.status()).toBe(200);
      await expect.poll(() => page.locator("h1").textContent()).toBe(FILENAME);
      const field = page.getByLabel("Passphrase");
      expect(await field.getAttribute("type")).toBe("password");

      await field.fill("red heron at dusk");
      await page.getByRole("button", { name: "Download" }).click();
      await expect
        .poll(() => page.getByRole("alert").textContent())
        .toBe("Wrong passphrase. 4 attempts left before the link locks for a while.");
      expect(await countOf(link)).toBe(0);

      await page.getByLabel("Passphrase").fill("blue heron at dawn");
      const got = await downloadFrom(page, () => page.getByRole("button", { name: "Download" }).click());
      expectTheFile(got);
      await expect.poll(() => page.locator("h1").textContent()).toBe("Your download is starting…");
      expect(await countOf(link)).toBe(1);
      await context.close();
    });

    it("a passphrase link after too many wrong passphrases: the lock-out page, even for the right one", async () => {
      const link = await createLink({ passphrase: "blue heron at dawn" });
      const { context, page } = await freshPage({ userAgent: `Mozilla/5.0 Chrome/131 guesser-${way.name}` });
      await page.goto(linkUrl(link));
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        await page.getByLabel("Passphrase").fill(`guess ${attempt}`);
        await page.getByRole("button", { name: "Download" }).click();
        await expect.poll(() => page.getByRole("alert").textContent()).toContain(`${5 - attempt} attempt`);
      }
      await page.getByLabel("Passphrase").fill("guess 5");
      const [locked] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === "POST"),
        page.getByRole("button", { name: "Download" }).click(),
      ]);
      expect(locked.status()).toBe(429);
      await expect.poll(() => page.locator("h1").textContent()).toBe("This link is locked for a while");
      const again = await page.goto(linkUrl(link));
      expect(again?.status()).toBe(200);
      await page.getByLabel("Passphrase").fill("blue heron at dawn");
      const [right] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === "POST"),
        page.getByRole("button", { name: "Download" }).click(),
      ]);
      expect(right.status()).toBe(429);
      await expect.poll(() => page.locator("h1").textContent()).toBe("This link is locked for a while");
      expect(await countOf(link)).toBe(0);
      await context.close();
    });

    it("on a phone (390×844, touch): tap Download, get the file", async () => {
      const link = await createLink({ maxDownloads: 3 });
      const { context, page } = await freshPage({ ...PHONE, userAgent: `${PHONE.userAgent} ${way.name}` });
      await page.goto(linkUrl(link));
      const button = page.getByRole("button", { name: "Download" });
      const box = await button.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(40);
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
      expectTheFile(await downloadFrom(page, () => button.tap()));
      expect(await countOf(link)).toBe(1);
      await context.close();
    });

    it("revoked, expired, used-up and unknown links: the status and what the page says", async () => {
      const revoked = await createLink();
      await evergate.request("DELETE", `/api/links/${revoked.id}`, { token: user.token });
      const usedUp = await createLink({ maxDownloads: 1, graceSeconds: 0 });
      expect((await evergate.request("POST", `/l/${usedUp.token}`)).status).toBe(303);
      const expiring = await createLink({ expiresAt: new Date(Date.now() + 1_500).toISOString() });
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      const unknown = `evg_${"0".repeat(28)}`;
      const cases: Array<[string, number, string]> = [
        [revoked.token, 410, "This link was revoked"],
        [expiring.token, 410, "This link has expired"],
        [usedUp.token, 410, "This link has no downloads left"],
        [unknown, 404, "Link not found"],
      ];
      for (const [token, status, heading] of cases) {
        const { context, page } = await freshPage();
        const response = await page.goto(linkUrl(token));
        expect(response?.status(), heading).toBe(status);
        expect(await page.locator("h1").textContent()).toBe(heading);
        expect(await page.content()).not.toMatch(/X-Amz|<script|Résumé/);
        await context.close();
      }
      expect(await countOf(usedUp)).toBe(1);
    });

    it("a preview and HEAD show the file's name and count nothing", async () => {
      const link = await createLink({ maxDownloads: 1 });
      const { context, page } = await freshPage({
        userAgent: "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
      });
      const response = await page.goto(linkUrl(link));
      expect(response?.status()).toBe(200);
      expect(await page.locator("h1").textContent()).toBe(FILENAME);
      const head = await context.request.head(linkUrl(link));
      expect(head.status()).toBe(200);
      expect(await head.text()).toBe("");
      expect(await countOf(link)).toBe(0);
      expect(hashToken(link.token)).toBe(link.id);
      await context.close();
    });
  });
}

describe.skipIf(!hasChromium)("the link pages break no rule of their own CSP", () => {
  it("saw no Content Security Policy violation in any case above", () => {
    expect(cspViolations).toEqual([]);
  });
});
