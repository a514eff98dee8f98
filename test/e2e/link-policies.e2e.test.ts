import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradientPng } from "#src/local/demo-files.ts";
import { demoUsers, type LocalEvergate } from "#src/local/local-evergate.ts";
import { apiAs } from "../support/api-as.ts";
import { axeProblems, logIn, pageSizes, sidewaysScroll } from "../support/page-checks.ts";
import { chromiumPath, startWebappUnderTest, type WebappUnderTest } from "../support/webapp-under-test.ts";

/**
 * Issue 18 in the webapp: the share form sets a passphrase, a device limit and allowed networks
 * (the server's refusal shown next to the field); a second browser is asked for the passphrase
 * and gets the file with the right one; a device-limited link refuses a second browser until the
 * owner resets its devices on the link's page; the product form sets the seller's default device
 * limit. Both sizes, no sideways scroll, axe clean.
 */
const FILENAME = "policy-pack.zip";

describe.skipIf(!existsSync(chromiumPath))("link policies in the webapp (issue 18)", () => {
  let webapp: WebappUnderTest | undefined;
  let evergate: LocalEvergate;
  let browser: Browser;
  let owner: BrowserContext;
  let page: Page;
  let token: string;
  let productId: string;
  const deliverable = new Uint8Array(randomBytes(8192));
  const url = (path: string) => `${evergate.url}${path}`;

  const { call, upload } = apiAs(
    () => `http://127.0.0.1:${evergate.port}`,
    () => token,
  );

  /** Fills the share form on the product page and answers the link's URL and id. */
  async function shareLink(fields: { label: string; passphrase?: string; devices?: string }) {
    await page.goto(url(`/products/${productId}`));
    const form = page.locator("section.share form");
    await form.getByLabel("Label").fill(fields.label);
    if (fields.passphrase) await form.getByLabel(/^Passphrase/).fill(fields.passphrase);
    if (fields.devices) await form.getByLabel(/^Device limit/).fill(fields.devices);
    await form.getByRole("button", { name: "Create link" }).click();
    const shown = page.getByLabel("Your new permanent link");
    await shown.waitFor();
    const linkUrl = await shown.inputValue();
    const links = (await call("GET", "/api/links?limit=100")) as { items: { id: string; label?: string }[] };
    const id = links.items.find((link) => link.label === fields.label)?.id as string;
    return { linkUrl, id };
  }

  async function browserOf(userAgent: string) {
    const context = await browser.newContext({
      acceptDownloads: true,
      userAgent,
      viewport: pageSizes.desktop,
    });
    return { context, page: await context.newPage() };
  }

  async function downloadFrom(target: Page, act: () => Promise<unknown>) {
    const [download] = await Promise.all([target.waitForEvent("download", { timeout: 15_000 }), act()]);
    expect(await download.failure()).toBeNull();
    expect(download.suggestedFilename()).toBe(FILENAME);
    expect((await readFile((await download.path()) as string)).equals(Buffer.from(deliverable))).toBe(true);
  }

  beforeAll(async () => {
    webapp = await startWebappUnderTest("policies");
    ({ evergate, browser } = webapp);
    token = (await evergate.stack.login(demoUsers[0].username, demoUsers[0].password)).accessToken;
    const product = await call("POST", "/api/products", {
      title: `Policy pack ${Date.now()}`,
      description: "Guarded files.",
      price: { amount: 700, currency: "EUR" },
      imageUploadId: await upload(
        "promoImage",
        gradientPng(640, 360, [90, 20, 60], [240, 200, 120]),
        "image/png",
        "p.png",
      ),
      deliverableUploadId: await upload("deliverable", deliverable, "application/zip", FILENAME),
    });
    productId = product.id as string;
    owner = await browser.newContext({ acceptDownloads: true, viewport: pageSizes.desktop });
    page = await owner.newPage();
    await logIn(page, evergate.url, demoUsers[0]);
  }, 180_000);

  afterAll(() => webapp?.stop());

  it("a passphrase link made in the form: another browser is asked for it, refused a wrong one, served the right one", async () => {
    const { linkUrl, id } = await shareLink({ label: "with a passphrase", passphrase: "lantern by the sea" });
    expect((await call("GET", `/api/links/${id}`)).passphraseProtected).toBe(true);

    const visitor = await browserOf("Mozilla/5.0 Chrome/131 visitor-passphrase");
    await visitor.page.goto(linkUrl);
    const field = visitor.page.getByLabel("Passphrase");
    expect(await field.getAttribute("type")).toBe("password");
    await field.fill("lantern by the lake");
    await visitor.page.getByRole("button", { name: "Download" }).click();
    await expect
      .poll(() => visitor.page.getByRole("alert").textContent())
      .toBe("Wrong passphrase. 4 attempts left before the link locks for a while.");
    await visitor.page.getByLabel("Passphrase").fill("lantern by the sea");
    await downloadFrom(visitor.page, () => visitor.page.getByRole("button", { name: "Download" }).click());
    await visitor.context.close();

    // On the link's page: the passphrase is said to be set, never shown.
    await page.goto(url(`/links/${id}`));
    await expect
      .poll(() => page.locator('[data-fact="passphrase"]').textContent())
      .toBe("A passphrase is set.");
    expect(await page.content()).not.toContain("lantern");
  }, 120_000);

  it("a network the server refuses is named next to the field, with the server's words", async () => {
    await page.goto(url(`/products/${productId}`));
    const form = page.locator("section.share form");
    await form.getByLabel("Label").fill("bad network");
    await form.getByLabel(/^Allowed networks/).fill("203.0.113.0/24\n10.0.0.300/8");
    await form.getByRole("button", { name: "Create link" }).click();
    const error = page.locator("#share-error-allowedNetworks");
    await expect.poll(() => error.textContent()).toContain("must be an IPv4 or IPv6 CIDR block");
    expect(await form.getByLabel(/^Allowed networks/).getAttribute("aria-invalid")).toBe("true");
  });

  it("a device-limited link refuses a second browser until its owner resets the devices", async () => {
    const { linkUrl, id } = await shareLink({ label: "one device", devices: "1" });
    const first = await browserOf("Mozilla/5.0 Chrome/131 device-one");
    await first.page.goto(linkUrl);
    await downloadFrom(first.page, () => first.page.getByRole("button", { name: "Download" }).click());

    const second = await browserOf("Mozilla/5.0 Firefox/133 device-two");
    // All its devices are taken: the page says so at once (a GET binds nobody, so it can).
    const refused = await second.page.goto(linkUrl);
    expect(refused?.status()).toBe(403);
    await expect
      .poll(() => second.page.locator("h1").textContent())
      .toBe("This link is already in use on its maximum number of devices");
    expect(await second.page.getByRole("button", { name: "Download" }).count()).toBe(0);

    await page.goto(url(`/links/${id}`));
    const devices = page.locator('[data-fact="devices"]');
    await expect.poll(() => devices.textContent()).toBe("1 of 1 device bound.");
    await page.getByRole("button", { name: "Reset devices" }).click();
    await expect.poll(() => devices.textContent()).toBe("0 of 1 device bound.");

    await second.page.goto(linkUrl);
    await downloadFrom(second.page, () => second.page.getByRole("button", { name: "Download" }).click());
    await expect.poll(() => page.reload().then(() => devices.textContent())).toBe("1 of 1 device bound.");
    await first.context.close();
    await second.context.close();
  }, 120_000);

  it("the product form sets the seller's device limit for buyers' links", async () => {
    await page.goto(url(`/products/${productId}/edit`));
    const field = page.getByLabel("Device limit for buyers' links");
    await field.fill("3");
    await page.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(async () => (await call("GET", `/api/products/${productId}`)).defaultMaxClients)
      .toBe(3);
    await page.goto(url(`/products/${productId}/edit`));
    await expect.poll(() => page.getByLabel("Device limit for buyers' links").inputValue()).toBe("3");
  });

  it("the form follows the deployment's policy (GET /api/config) and names the rule the server refuses", async () => {
    const settings = { LINK_REQUIRE_MAX_DOWNLOADS: true, LINK_MAX_EXPIRY_DAYS: 30 };
    const before = Object.fromEntries(
      Object.keys(settings).map((name) => [name, evergate.config[name as keyof typeof evergate.config]]),
    );
    Object.assign(evergate.config, settings);
    try {
      // A new page load reads the configuration anew.
      await page.goto(url(`/products/${productId}`));
      const form = page.locator("section.share form");
      const limit = form.getByLabel(/^Download limit/);
      await expect.poll(() => limit.getAttribute("required"), { timeout: 5000 }).toBe("");
      expect(
        await form.locator("label").filter({ hasText: "Download limit" }).first().textContent(),
      ).toContain("required by this site's policy");
      const expires = form.getByLabel(/^Expires/);
      const max = (await expires.getAttribute("max")) as string;
      expect(Math.abs(Date.parse(max) - (Date.now() + 30 * 86_400_000))).toBeLessThan(2 * 86_400_000);

      await form.getByLabel("Label").fill("against the policy");
      await form.getByRole("button", { name: "Create link" }).click();
      await expect.poll(() => page.locator("#share-error-maxDownloads").count(), { timeout: 5_000 }).toBe(1);
      expect(await page.locator("#share-error-maxDownloads").textContent()).toBe(
        "must be set (LINK_REQUIRE_MAX_DOWNLOADS) (requireMaxDownloads)",
      );
      await expect.poll(() => page.locator("#share-error-expiresAt").count(), { timeout: 5_000 }).toBe(1);
      expect(await page.locator("#share-error-expiresAt").textContent()).toContain("(maxExpiryDays)");
      expect(await page.locator("section.share p.error").textContent()).toContain("requireMaxDownloads");
    } finally {
      Object.assign(evergate.config, before);
    }
  });

  for (const size of ["desktop", "phone"] as const) {
    it(`${size}: the share form and the link's page fit the width and pass axe`, async () => {
      await page.setViewportSize(pageSizes[size]);
      const links = (await call("GET", "/api/links?limit=100")) as {
        items: { id: string; label?: string }[];
      };
      const limited = links.items.find((link) => link.label === "one device")?.id as string;
      const problems: string[] = [];
      for (const path of [`/products/${productId}`, `/links/${limited}`, `/products/${productId}/edit`]) {
        await page.goto(url(path));
        await expect.poll(() => page.locator("main .loading").count()).toBe(0);
        await page.locator("main h1").first().waitFor();
        const overflow = await sidewaysScroll(page);
        if (overflow > 0) problems.push(`${path}: ${overflow} px sideways scroll`);
        for (const violation of await axeProblems(page)) problems.push(`${path}: ${violation}`);
      }
      expect(problems).toEqual([]);
      await page.setViewportSize(pageSizes.desktop);
    }, 60_000);
  }
});
