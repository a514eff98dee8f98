import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradientPng } from "#src/local/demo-files.ts";
import { demoUsers, type LocalEvergate } from "#src/local/local-evergate.ts";
import {
  chromiumPath,
  screenshots,
  startWebappUnderTest,
  type WebappUnderTest,
} from "../support/webapp-under-test.ts";

const hasChromium = existsSync(chromiumPath);
const ciValue = process.env.CI;
const inCi = Boolean(ciValue) && ciValue !== "false" && ciValue !== "0";

if (!hasChromium && !inCi) {
  console.warn(
    `\n*** SKIPPED the browser end-to-end tests (test/e2e): no Chromium at ${chromiumPath}. ` +
      "Install it (Debian: apt-get install chromium) to run them. ***\n",
  );
}

describe.runIf(!hasChromium && inCi)("e2e prerequisites", () => {
  it(`has Chromium at ${chromiumPath} (CI must run the browser tests, not skip them)`, () => {
    expect.fail(`CI is set but ${chromiumPath} is missing: install Debian's chromium package in .ci/run.`);
  });
});

describe.skipIf(!hasChromium)("the shop in Chromium", () => {
  let webapp: WebappUnderTest | undefined;
  let evergate: LocalEvergate;
  let browser: Browser;
  let seller: { context: BrowserContext; page: Page };
  let buyer: { context: BrowserContext; page: Page };
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  const image = gradientPng(640, 360, [30, 60, 160], [250, 190, 60]);
  // Large enough for the XHR to report progress along the way.
  const deliverable = new Uint8Array(randomBytes(3 * 1024 * 1024));
  const title = `E2E field guide ${Date.now()}`;
  let productId = "";
  let linkUrl = "";

  async function newUserPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1200, height: 860 },
    });
    const page = await context.newPage();
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) cspViolations.push(message.text());
    });
    return { context, page };
  }

  /** From any page that sent us to the hosted login: fill the form, come back to `returnPath`. */
  async function logInThroughHostedForm(page: Page, user: (typeof demoUsers)[number], returnPath: string) {
    await page.waitForURL(/\/oauth2\/authorize/);
    await page.fill('input[name="username"]', user.username);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${evergate.url}${returnPath}`);
    await expect.poll(() => page.locator("header .user").textContent()).toBe(user.username);
  }

  async function shoot(page: Page, name: string) {
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  }

  /** Fills the Add product form and submits it; answers the progress values seen per file. */
  async function addProduct(page: Page, fields: { title: string; description: string; price: string }) {
    await page.goto(`${evergate.url}/products/new`);
    await page.getByLabel("Title").fill(fields.title);
    await page.getByLabel("Text").fill(fields.description);
    await page.getByLabel("Price").fill(fields.price);
    await page
      .getByLabel("Promo image")
      .setInputFiles({ name: "promo.png", mimeType: "image/png", buffer: Buffer.from(image) });
    await page.getByLabel("File to sell").setInputFiles({
      name: "guide.bin",
      mimeType: "application/octet-stream",
      buffer: Buffer.from(deliverable),
    });
    // The page navigates away as soon as the product exists: record every progress value as it happens.
    await page.evaluate(() => {
      const seen: Record<string, number[]> = {};
      (window as unknown as { progressSeen: typeof seen }).progressSeen = seen;
      new MutationObserver(() => {
        for (const bar of document.querySelectorAll("progress")) {
          const values = seen[bar.id] ?? [];
          if (values.at(-1) !== bar.value) values.push(bar.value);
          seen[bar.id] = values;
        }
      }).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ["value"],
      });
    });
    return page;
  }

  beforeAll(async () => {
    webapp = await startWebappUnderTest("shop", {
      chromiumArgs: [
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    ({ evergate, browser } = webapp);
    seller = await newUserPage();
    buyer = await newUserPage();
  });

  afterAll(() => webapp?.stop());

  it("shows the recent products to anyone, with their promo images", async () => {
    // Act
    const page = seller.page;
    await page.goto(`${evergate.url}/`);

    // Assess
    await page.locator(".card").first().waitFor();
    expect(await page.locator(".card").count()).toBeGreaterThan(0);
    await expect
      .poll(() =>
        page
          .locator(".card img")
          .first()
          .evaluate((img: HTMLImageElement) => img.naturalWidth),
      )
      .toBeGreaterThan(0);
    await shoot(page, "01-home");
  });

  it("sends user1 to the hosted login from a page that needs it, and back to that page", async () => {
    // Act
    await seller.page.goto(`${evergate.url}/products/new`);
    await seller.page.getByRole("button", { name: "Log in" }).last().click();
    await seller.page.waitForURL(/\/oauth2\/authorize/);
    await shoot(seller.page, "02-login");
    const [user1] = demoUsers;

    // Assess
    await logInThroughHostedForm(seller.page, user1, "/products/new");
    await expect.poll(() => seller.page.locator("h1").textContent()).toBe("Add product");
  });

  it("adds a product with a real PNG and a file, the progress bars reaching 100%", async () => {
    // Prepare
    const page = await addProduct(seller.page, {
      title,
      description: "Everything about permanent links.\nSecond line.",
      price: "12.50",
    });
    await shoot(page, "03-add-product");
    // Loopback is too fast to see a bar move: throttle uploads to ~3 MB/s for this one.
    const cdp = await seller.context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 3 * 1024 * 1024,
    });

    // Act
    await page.getByRole("button", { name: "Add product" }).click();
    await page.waitForURL(/\/products\/[0-9A-Za-z]{16}$/);

    // Assess
    productId = new URL(page.url()).pathname.split("/").pop() as string;
    await cdp.detach();
    await expect.poll(() => page.locator("h1").textContent()).toBe(title);
    const seen = await page.evaluate(
      () => (window as unknown as { progressSeen: Record<string, number[]> }).progressSeen,
    );
    expect(seen["progress-promoImage"]?.at(-1)).toBe(1);
    expect(seen["progress-deliverable"]?.at(-1)).toBe(1);
    expect(seen["progress-deliverable"]?.some((value) => value > 0 && value < 1)).toBe(true);
    expect(await page.locator(".price.big").textContent()).toMatch(/12\.50/);
    await expect
      .poll(() => page.locator(".product-media img").evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBe(640);
    expect(await page.getByRole("link", { name: "Edit" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: /^Buy/ }).count()).toBe(0);
  });

  it("lets user2 log in from the product page, buy it, and download the same bytes", async () => {
    // Prepare
    const page = buyer.page;
    await page.goto(`${evergate.url}/products/${productId}`);
    await page.getByRole("button", { name: "Log in to buy" }).click();
    await logInThroughHostedForm(page, demoUsers[1], `/products/${productId}`);

    // Act
    await page.getByRole("button", { name: /^Buy for/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: /^Pay/ }).click();
    const downloadButton = page.getByRole("button", { name: "Download" });
    await downloadButton.waitFor();
    await shoot(page, "04-product-bought");
    const [download] = await Promise.all([page.waitForEvent("download"), downloadButton.click()]);

    // Assess
    expect(download.suggestedFilename()).toBe("guide.bin");
    const bytes = await readFile(await download.path());
    expect(Buffer.compare(bytes, Buffer.from(deliverable))).toBe(0);
    await page.goto(`${evergate.url}/orders`);
    await page.getByRole("link", { name: title, exact: true }).waitFor();
    await shoot(page, "05-my-orders");
  });

  it("lets the buyer create a permanent link, shown once, that downloads anonymously", async () => {
    // Prepare
    const page = buyer.page;
    await page.goto(`${evergate.url}/products/${productId}`);
    await page.getByRole("heading", { name: "Share a permanent link" }).waitFor();

    // Act
    await page.getByLabel(/^Label/).fill("for my team");
    await page.getByRole("button", { name: "Create link" }).click();
    const shown = page.getByLabel("Your new permanent link");
    await shown.waitFor();
    linkUrl = await shown.inputValue();
    await shoot(page, "06-link-created");

    // Assess
    expect(linkUrl).toMatch(/\/l\/evg_[0-9A-Za-z]{34}$/);
    expect(await page.getByText("This link is shown only once").count()).toBe(1);
    const response = await fetch(linkUrl.replace("//localhost:", "//127.0.0.1:"), { redirect: "follow" });
    expect(response.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await response.arrayBuffer()), Buffer.from(deliverable))).toBe(0);
    await page.goto(`${evergate.url}/links`);
    await page.getByRole("cell", { name: "for my team" }).waitFor();
    await shoot(page, "07-my-links");
  });

  it("lets the seller revoke the buyer's link from the product page, after which it answers 410", async () => {
    // Prepare
    const page = seller.page;
    await page.goto(`${evergate.url}/products/${productId}`);
    const row = page.locator("tr", { hasText: "for my team" });
    await row.waitFor();
    expect(await row.getByText(demoUsers[1].username, { exact: true }).count()).toBe(1);

    // Act
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Yes, revoke" }).click();

    // Assess
    await row.locator(".state.revoked").waitFor();
    expect(await row.locator(".state.revoked").textContent()).toMatch(/^revoked by you on /);
    await shoot(page, "08-product-seller-links");
    const response = await fetch(linkUrl.replace("//localhost:", "//127.0.0.1:"), { redirect: "follow" });
    expect(response.status).toBe(410);
  });

  it("shows the seller's sales with totals, products and API keys", async () => {
    const page = seller.page;
    await page.goto(`${evergate.url}/sales`);
    await page.getByRole("link", { name: title, exact: true }).waitFor();
    expect(await page.locator(".total").first().textContent()).toMatch(/USD/);
    await shoot(page, "09-sales");

    await page.goto(`${evergate.url}/my/products`);
    await page.getByRole("link", { name: title, exact: true }).waitFor();
    await shoot(page, "10-my-products");

    await page.goto(`${evergate.url}/products/${productId}/edit`);
    await expect.poll(() => page.getByLabel("Title").inputValue()).toBe(title);
    await shoot(page, "11-edit-product");

    await page.goto(`${evergate.url}/keys`);
    await page.getByLabel("Name").fill("e2e robot");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = page.getByLabel("Your new API key");
    await key.waitFor();
    expect(await key.inputValue()).toMatch(/^evk_/);
    await page.getByRole("cell", { name: "e2e robot" }).waitFor();
    await shoot(page, "12-api-keys");
  });

  it("edits a product keeping its files, and says so when someone else changed it meanwhile", async () => {
    // Prepare: the edit form is open on the current version
    const page = seller.page;
    await page.goto(`${evergate.url}/products/${productId}/edit`);
    await expect.poll(() => page.getByLabel("Title").inputValue()).toBe(title);
    const token = await page.evaluate(
      () => JSON.parse(localStorage.getItem("evergate.tokens") ?? "{}").accessToken,
    );
    const changedElsewhere = await fetch(`http://127.0.0.1:${evergate.port}/api/products/${productId}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ description: "Changed in another tab" }),
    });
    expect(changedElsewhere.status).toBe(200);

    // Act
    await page.getByLabel("Price").fill("13.00");
    await page.getByRole("button", { name: "Save changes" }).click();

    // Assess: the conflict is explained and the form keeps what was typed
    const alert = page.locator(".product-form .error[role=alert]");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/changed this product after you opened it/);
    expect(await page.getByLabel("Price").inputValue()).toBe("13.00");

    // Act: reload the current version, save again without choosing files
    await page.getByRole("button", { name: "Reload the product" }).click();
    await expect.poll(() => page.getByLabel("Text").inputValue()).toBe("Changed in another tab");
    await page.getByLabel("Price").fill("13.00");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(`${evergate.url}/products/${productId}`);

    // Assess: new price, same file
    await expect.poll(() => page.locator(".price.big").textContent()).toMatch(/13\.00/);
    expect(await page.locator(".product-body").textContent()).toContain("guide.bin");
  });

  it("renders a hostile product title and description as text, never as HTML", async () => {
    // Prepare
    const hostile = `<img src=x onerror=alert(1)> ${Date.now()}`;
    const page = await addProduct(seller.page, {
      title: hostile,
      description: "<script>alert(2)</script><b>bold?</b>",
      price: "1",
    });

    // Act
    await page.getByRole("button", { name: "Add product" }).click();
    await page.waitForURL(/\/products\/[0-9A-Za-z]{16}$/);
    await expect.poll(() => page.locator("h1").textContent()).toBe(hostile);
    await page.goto(`${evergate.url}/`);
    await page.locator(".card", { hasText: hostile }).waitFor();

    // Assess
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator("main script, main b").count()).toBe(0);
    await page.goBack();
    await expect
      .poll(() => page.locator(".description").textContent())
      .toBe("<script>alert(2)</script><b>bold?</b>");
    expect(await page.locator('img[src="x"], .description b').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
  it("refreshes an expired access token, and retries once with a fresh one after a 401", async () => {
    // Prepare: the access token is past its expiry
    const page = buyer.page;
    const stored = () => page.evaluate(() => JSON.parse(localStorage.getItem("evergate.tokens") ?? "{}"));
    const before = await stored();
    await page.evaluate(() => {
      const tokens = JSON.parse(localStorage.getItem("evergate.tokens") ?? "{}");
      localStorage.setItem("evergate.tokens", JSON.stringify({ ...tokens, expiresAt: Date.now() - 1000 }));
    });

    // Act
    await page.goto(`${evergate.url}/orders`);

    // Assess
    await page.getByRole("link", { name: title, exact: true }).waitFor();
    const afterRefresh = await stored();
    expect(afterRefresh.accessToken).not.toBe(before.accessToken);
    expect(afterRefresh.expiresAt).toBeGreaterThan(Date.now());

    // Prepare: a token the API refuses, though it does not look expired
    await page.evaluate(() => {
      const tokens = JSON.parse(localStorage.getItem("evergate.tokens") ?? "{}");
      localStorage.setItem("evergate.tokens", JSON.stringify({ ...tokens, accessToken: "not-a-token" }));
    });

    // Act
    await page.goto(`${evergate.url}/orders`);

    // Assess
    await page.getByRole("link", { name: title, exact: true }).waitFor();
    expect((await stored()).accessToken).not.toBe("not-a-token");
  });

  it("refuses a fake PNG right after it is picked, never uploads it, and keeps the form", async () => {
    // Prepare: a "PNG" whose bytes are not a PNG
    const page = await addProduct(seller.page, {
      title: "Retry me",
      description: "Kept after a refusal",
      price: "3",
    });
    let uploadsRequested = 0;
    page.on("request", (request) => {
      if (request.url().endsWith("/api/uploads")) uploadsRequested++;
    });

    // Act
    await page.getByLabel("Promo image").setInputFiles({
      name: "fake.png",
      mimeType: "image/png",
      buffer: Buffer.from("definitely not a png"),
    });

    // Assess: a readable reason at once; submitting asks for another image instead of sending this one
    const refusal = page.locator("#error-promoImage");
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/not a PNG, JPEG, WEBP image.*fake\.png/);
    await page.getByRole("button", { name: "Add product" }).click();
    expect(await refusal.textContent()).toMatch(/not a PNG/);
    expect(uploadsRequested).toBe(0);
    expect(await page.getByLabel("Title").inputValue()).toBe("Retry me");
    expect(await page.getByLabel("Text").inputValue()).toBe("Kept after a refusal");
    await shoot(page, "13-upload-refused");
    await page
      .getByLabel("Promo image")
      .setInputFiles({ name: "promo.png", mimeType: "image/png", buffer: Buffer.from(image) });
    await page.locator(".image-preview img").waitFor();
    await page.getByRole("button", { name: "Add product" }).click();
    await page.waitForURL(/\/products\/[0-9A-Za-z]{16}$/);
    await expect.poll(() => page.locator("h1").textContent()).toBe("Retry me");
    expect(uploadsRequested).toBe(2);
  });

  it("checks files in the browser first: a wrong image type is refused before any upload", async () => {
    // Prepare
    const page = await addProduct(seller.page, { title: "Wrong type", description: "x", price: "1" });
    await page
      .getByLabel("Promo image")
      .setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hi") });
    let uploadsRequested = 0;
    page.on("request", (request) => {
      if (request.url().endsWith("/api/uploads")) uploadsRequested++;
    });

    // Act
    await page.getByRole("button", { name: "Add product" }).click();

    // Assess
    await page.locator("#error-promoImage").waitFor();
    expect(await page.locator("#error-promoImage").textContent()).toMatch(/PNG, JPEG, WEBP.*notes\.txt/);
    expect(uploadsRequested).toBe(0);
  });

  it("logs out: the tokens are gone and pages that need a login send you to it again", async () => {
    // Act
    const page = buyer.page;
    await page.goto(`${evergate.url}/`);
    await page.getByRole("button", { name: "Log out" }).click();

    // Assess
    await page.getByRole("button", { name: "Log in" }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem("evergate.tokens"))).toBeNull();
    await page.goto(`${evergate.url}/orders`);
    await page.getByText("My orders lists the products you bought").waitFor();
    await page.getByRole("main").getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(/\/oauth2\/authorize/);
  });

  it("pages the home list with Load more", async () => {
    // Prepare: enough products for a second page (copies of a seeded one, new ids)
    const seeded = (await evergate.deps.stores.products.listRecent({ limit: 1 })).items[0];
    if (!seeded) throw new Error("no seeded product");
    const { newId } = await import("#src/domain/token.ts");
    for (let i = 0; i < 14; i++) {
      await evergate.deps.stores.products.create({ ...seeded, id: newId(), title: `Paged ${i}` });
    }
    const total = (await evergate.deps.stores.products.listRecent({ limit: 100 })).items.length;
    const page = seller.page;

    // Act
    await page.goto(`${evergate.url}/`);
    await page.locator(".card").first().waitFor();
    const firstPage = await page.locator(".card").count();
    await page.getByRole("button", { name: "Load more" }).click();

    // Assess
    await expect.poll(() => page.locator(".card").count()).toBe(Math.min(total, 2 * firstPage));
    expect(firstPage).toBeLessThan(total);
  });

  it("ran without a single Content-Security-Policy violation", () => {
    expect(cspViolations).toEqual([]);
  });
});
