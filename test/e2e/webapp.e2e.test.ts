import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradientPng } from "#src/local/demo-files.ts";
import { demoUsers, type LocalEvergate } from "#src/local/local-evergate.ts";
import { apiAs } from "../support/api-as.ts";
import { axeProblems, pageSizes, sidewaysScroll } from "../support/page-checks.ts";
import {
  chromiumPath,
  screenshots,
  startWebappUnderTest,
  type WebappUnderTest,
} from "../support/webapp-under-test.ts";

/**
 * Issue 21: the webapp on a 1280×800 desktop and a 390×844 phone, for a visitor, a seller (user1)
 * and a buyer (user2): no page scrolls sideways, axe finds nothing serious, one login across tabs,
 * buying with a confirmation and a receipt, downloads from My orders, no lost uploads.
 */
type Role = "visitor" | "seller" | "buyer";

describe.skipIf(!existsSync(chromiumPath))("the webapp at both sizes (issue 21)", () => {
  let webapp: WebappUnderTest | undefined;
  let evergate: LocalEvergate;
  let browser: Browser;
  const contexts: Record<Role, BrowserContext | undefined> = {
    visitor: undefined,
    seller: undefined,
    buyer: undefined,
  };
  const pages = {} as Record<Role, Page>;
  const tokens = {} as Record<"seller" | "buyer", string>;
  const cspViolations: string[] = [];
  const image = gradientPng(640, 360, [20, 90, 60], [240, 220, 120]);
  const ids = { paid: "", free: "", deleted: "", refunded: "" };
  const fileBytes = new Uint8Array(randomBytes(64 * 1024));
  const stamp = Date.now();

  const url = (path: string) => `${evergate.url}${path}`;

  // The two people's API calls and uploads for setting up what the pages then show.
  const origin = () => `http://127.0.0.1:${evergate.port}`;
  const as = {
    seller: apiAs(origin, () => tokens.seller),
    buyer: apiAs(origin, () => tokens.buyer),
  };

  async function createProduct(title: string, amount: number, currency = "USD") {
    const product = await as.seller.call("POST", "/api/products", {
      title,
      description: `About ${title}.`,
      price: { amount, currency },
      imageUploadId: await as.seller.upload("promoImage", image, "image/png", "promo.png"),
      deliverableUploadId: await as.seller.upload(
        "deliverable",
        fileBytes,
        "application/pdf",
        "handbook-été.pdf",
      ),
    });
    return product.id as string;
  }

  async function newPage(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) cspViolations.push(message.text());
    });
    return page;
  }

  async function logIn(role: "seller" | "buyer") {
    const user = role === "seller" ? demoUsers[0] : demoUsers[1];
    const context = await browser.newContext({ acceptDownloads: true, viewport: pageSizes.desktop });
    const page = await newPage(context);
    await page.goto(url("/"));
    await page.getByRole("banner").getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(/\/oauth2\/authorize/);
    await page.fill('input[name="username"]', user.username);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"]');
    await page.waitForURL(url("/"));
    await page.locator("header .user", { hasText: user.username }).waitFor();
    contexts[role] = context;
    pages[role] = page;
  }

  /** Waits until the page has nothing left loading. */
  async function settled(page: Page) {
    await page.locator("main h1").first().waitFor();
    await expect.poll(() => page.locator("main .loading").count(), { timeout: 10_000 }).toBe(0);
  }

  /** Prices, buttons, headers and labels that wrap: any of their text nodes spread over two lines. */
  async function brokenWords(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      const broken: string[] = [];
      for (const element of document.querySelectorAll(".price, button, .button, th, td.nowrap, .state")) {
        if (element.getBoundingClientRect().width < 2) continue;
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (node.parentElement?.closest(".visually-hidden")) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          const wordBroken = element.matches(".state")
            ? [...(node.textContent ?? "").split(/\s+/)].some((word) => {
                const start = (node.textContent ?? "").indexOf(word);
                const wordRange = document.createRange();
                wordRange.setStart(node as Text, start);
                wordRange.setEnd(node as Text, start + word.length);
                return new Set([...wordRange.getClientRects()].map((r) => Math.round(r.top))).size > 1;
              })
            : lines.size > 1;
          if (wordBroken) broken.push(node.textContent ?? "");
        }
      }
      return broken;
    });
  }

  beforeAll(async () => {
    webapp = await startWebappUnderTest("pages", {
      chromiumArgs: ["--no-first-run", "--disable-background-networking"],
    });
    ({ evergate, browser } = webapp);
    tokens.seller = (await evergate.stack.login(demoUsers[0].username, demoUsers[0].password)).accessToken;
    tokens.buyer = (await evergate.stack.login(demoUsers[1].username, demoUsers[1].password)).accessToken;
    ids.paid = await createProduct(`Paid handbook ${stamp}`, 1250);
    ids.free = await createProduct(`Free sampler ${stamp}`, 0);
    ids.deleted = await createProduct(`Withdrawn guide ${stamp}`, 500);
    ids.refunded = await createProduct(`Refunded course ${stamp}`, 99_00);
    await as.buyer.call("POST", `/api/products/${ids.paid}/orders`);
    await as.buyer.call("POST", `/api/products/${ids.deleted}/orders`);
    const refunded = await as.buyer.call("POST", `/api/products/${ids.refunded}/orders`);
    await as.seller.call("DELETE", `/api/products/${ids.deleted}`);
    await as.seller.call("POST", `/api/orders/${refunded.id}/refund`);
    await as.buyer.call("POST", "/api/links", { productId: ids.paid, label: "for the team" });
    const once = await as.buyer.call("POST", "/api/links", {
      productId: ids.paid,
      label: "one download",
      maxDownloads: 1,
    });
    // Only a POST spends a limited link (ADR 012): the download the buyer made.
    const used = await fetch(String(once.url), { method: "POST", redirect: "manual" });
    if (used.status !== 303) throw new Error(`the one-download link answered ${used.status}`);
    await as.seller.call("POST", "/api/links", { productId: ids.paid, label: "seller's own" });
    contexts.visitor = await browser.newContext({ acceptDownloads: true, viewport: pageSizes.desktop });
    pages.visitor = await newPage(contexts.visitor);
    await logIn("seller");
    await logIn("buyer");
  });

  afterAll(() => webapp?.stop());

  const everyPage = (role: Role): [string, string][] => {
    const open: [string, string][] = [
      ["home", "/"],
      ["product", `/products/${ids.paid}`],
      ["product-free", `/products/${ids.free}`],
      ["product-missing", `/products/${ids.deleted}`],
      ["not-found", "/no/such/page"],
    ];
    const member: [string, string][] = [
      ["my-orders", "/orders"],
      ["sales", "/sales"],
      ["my-products", "/my/products"],
      ["my-links", "/links"],
      ["api-keys", "/keys"],
      ["webhooks", "/webhooks"],
      ["add-product", "/products/new"],
    ];
    const sellerOnly: [string, string][] =
      role === "seller" ? [["edit-product", `/products/${ids.paid}/edit`]] : [];
    return [...open, ...member, ...sellerOnly];
  };

  for (const size of ["desktop", "phone"] as const) {
    for (const role of ["visitor", "seller", "buyer"] as const) {
      it(`${size}, ${role}: every page fits the width, keeps words whole, passes axe, and is screenshotted`, async () => {
        const page = pages[role];
        await page.setViewportSize(pageSizes[size]);
        const problems: string[] = [];
        for (const [name, path] of everyPage(role)) {
          await page.goto(url(path));
          await settled(page);
          const tooWide = await sidewaysScroll(page);
          if (tooWide > 0) problems.push(`${path}: ${tooWide} px too wide`);
          for (const text of await brokenWords(page)) problems.push(`${path}: "${text}" wraps`);
          for (const violation of await axeProblems(page)) problems.push(`${path}: ${violation}`);
          await page.screenshot({ path: join(screenshots, `${size}-${role}-${name}.png`), fullPage: true });
        }
        expect(problems).toEqual([]);
      });
    }

    it(`${size}: the local login page has the app's look, fits the width and passes axe`, async () => {
      const page = pages.visitor;
      await page.setViewportSize(pageSizes[size]);
      await page.goto(url("/"));
      await page.getByRole("banner").getByRole("button", { name: "Log in" }).click();
      await page.waitForURL(/\/oauth2\/authorize/);
      expect(await page.title()).toBe("Log in · Evergate");
      expect(await page.locator("header").textContent()).toContain("Evergate");
      expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
      expect(await axeProblems(page)).toEqual([]);
      await page.screenshot({ path: join(screenshots, `${size}-visitor-login.png`), fullPage: true });
    });
  }

  it("shows a visitor no members' pages in the menu; a member page says what it is and offers Log in", async () => {
    const page = pages.visitor;
    await page.setViewportSize(pageSizes.desktop);
    await page.goto(url("/"));
    await settled(page);
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link", { name: "Home" }).count()).toBe(1);
    for (const label of [
      "My orders",
      "Sales",
      "My products",
      "My links",
      "API keys",
      "Webhooks",
      "Add product",
    ]) {
      expect(await nav.getByRole("link", { name: label }).count(), label).toBe(0);
    }
    await page.goto(url("/sales"));
    await page.getByRole("heading", { name: "Sales", level: 1 }).waitFor();
    expect(await page.getByRole("main").textContent()).toContain("what others bought from you");
    await page.getByRole("main").getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(/\/oauth2\/authorize/);
  });

  it("folds the top navigation into a Menu button on a phone", async () => {
    const page = pages.seller;
    await page.setViewportSize(pageSizes.phone);
    await page.goto(url("/"));
    const menu = page.getByRole("button", { name: "Menu" });
    const orders = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My orders" });
    expect(await orders.isVisible()).toBe(false);
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    await menu.click();
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    await orders.click();
    await page.waitForURL(url("/orders"));
    expect(await orders.isVisible()).toBe(false);
    await page.setViewportSize(pageSizes.desktop);
    expect(await menu.isVisible()).toBe(false);
    expect(await orders.isVisible()).toBe(true);
  });

  it("keeps one login across tabs and reloads, and a logout in one tab ends it in the other", async () => {
    // Prepare: a fresh login in its own context, two tabs
    const context = await browser.newContext({ viewport: pageSizes.desktop });
    const first = await newPage(context);
    await first.goto(url("/orders"));
    await first.getByRole("main").getByRole("button", { name: "Log in" }).click();
    await first.fill('input[name="username"]', demoUsers[1].username);
    await first.fill('input[name="password"]', demoUsers[1].password);
    await first.click('button[type="submit"]');
    await first.waitForURL(url("/orders"));

    // Act: a second tab, and a reload of the first
    const second = await newPage(context);
    await second.goto(url("/links"));
    await first.reload();

    // Assess: both logged in without a password
    await expect.poll(() => second.locator("header .user").textContent()).toBe(demoUsers[1].username);
    await second.getByRole("heading", { name: "Links you made" }).waitFor();
    await expect.poll(() => first.locator("header .user").textContent()).toBe(demoUsers[1].username);
    const stored = JSON.parse((await first.evaluate(() => localStorage.getItem("evergate.tokens"))) ?? "{}");
    expect(stored.refreshToken).toEqual(expect.any(String));

    // Act: log out in the second tab
    await second.getByRole("button", { name: "Log out" }).click();

    // Assess: the first tab follows without a reload; the refresh token is revoked at the provider
    await first.getByRole("main").getByRole("button", { name: "Log in" }).waitFor();
    expect(await first.locator("header .user").count()).toBe(0);
    const config = (await (await fetch(url("/api/config"))).json()) as { tokenUrl: string; clientId: string };
    const refreshed = await fetch(config.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: stored.refreshToken,
        client_id: config.clientId,
      }).toString(),
    });
    expect(refreshed.status).toBe(400);
    await context.close();
  });

  it("asks before getting a free product (the dialog keeps and returns focus), then shows a receipt with the download", async () => {
    // Prepare
    const page = pages.buyer;
    await page.setViewportSize(pageSizes.desktop);
    await page.goto(url(`/products/${ids.free}`));
    const getIt = page.getByRole("button", { name: "Get it free" });
    await getIt.focus();

    // Act: open with the keyboard, Tab around, Escape
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Get this product free?" });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("handbook-été.pdf");
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => Boolean(document.activeElement?.closest("dialog")))).toBe(true);
    }
    const outline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    );
    expect(outline).not.toBe("none");
    await page.keyboard.press("Escape");

    // Assess: closed, focus back on the button, nothing bought
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Get it free");
    await page.screenshot({ path: join(screenshots, "desktop-buyer-product-free.png"), fullPage: true });

    // Act: confirm
    await getIt.click();
    await dialog.getByRole("button", { name: "Get it free" }).click();

    // Assess: the receipt, its download, and the share form one click away
    const thanks = page.getByRole("heading", { name: /^Thank you!/ });
    await thanks.waitFor();
    expect(await page.getByRole("region", { name: /^Thank you!/ }).textContent()).toContain(
      "Nothing, it is free",
    );
    await page.screenshot({ path: join(screenshots, "desktop-buyer-receipt.png"), fullPage: true });
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page
        .getByRole("region", { name: /^Thank you!/ })
        .getByRole("button", { name: "Download" })
        .click(),
    ]);
    expect(download.suggestedFilename()).toBe("handbook-été.pdf");
    expect(Buffer.compare(await readFile(await download.path()), Buffer.from(fileBytes))).toBe(0);
    await page.getByRole("button", { name: "Create a share link" }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("share-label");
  });

  it("My orders: a Download per order (same bytes), deleted and refunded products said as such", async () => {
    const page = pages.buyer;
    for (const size of ["desktop", "phone"] as const) {
      await page.setViewportSize(pageSizes[size]);
      await page.goto(url("/orders"));
      await settled(page);
      const row = (title: string) => page.locator("tr", { hasText: title });
      expect(await row(`Withdrawn guide ${stamp}`).textContent()).toContain("product deleted by its seller");
      expect(
        await row(`Withdrawn guide ${stamp}`)
          .getByRole("button", { name: /Download/ })
          .count(),
      ).toBe(0);
      expect(await row(`Withdrawn guide ${stamp}`).getByRole("link").count()).toBe(0);
      expect(await row(`Refunded course ${stamp}`).textContent()).toMatch(/refunded on/);
      expect(
        await row(`Refunded course ${stamp}`)
          .getByRole("button", { name: /Download/ })
          .count(),
      ).toBe(0);
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        row(`Paid handbook ${stamp}`)
          .getByRole("button", { name: /^Download/ })
          .click(),
      ]);
      expect(download.suggestedFilename()).toBe("handbook-été.pdf");
      expect(Buffer.compare(await readFile(await download.path()), Buffer.from(fileBytes))).toBe(0);
    }
  });

  it("says 'This product no longer exists' with a way home, and titles pages by product", async () => {
    const page = pages.buyer;
    await page.setViewportSize(pageSizes.desktop);
    for (const path of [`/products/${ids.deleted}`, "/products/x", `/products/${ids.deleted}/edit`]) {
      await page.goto(url(path));
      await page.getByRole("heading", { name: "This product no longer exists" }).waitFor();
      expect(await page.getByRole("link", { name: "Go to the home page" }).count()).toBeGreaterThan(0);
      expect(await page.getByRole("button", { name: "Try again" }).count()).toBe(0);
      expect(await page.getByRole("main").textContent()).not.toMatch(/Invalid param|must be/);
    }
    await page.goto(url(`/products/${ids.paid}`));
    await expect.poll(() => page.title()).toBe(`Paid handbook ${stamp} · Evergate`);
    await page.goto(url("/orders"));
    await expect.poll(() => page.title()).toBe("My orders · Evergate");
  });

  it("says exactly what is wrong with a price, counts title characters, and never shows a native bubble", async () => {
    const page = pages.seller;
    await page.setViewportSize(pageSizes.desktop);
    await page.goto(url("/products/new"));
    await settled(page);
    expect(await page.evaluate(() => [...document.forms].every((form) => form.noValidate))).toBe(true);
    const priceError = page.locator("#error-price");
    const cases: [string, string, RegExp][] = [
      ["-5", "USD", /^The price cannot be negative\.$/],
      ["99999999999", "USD", /^The highest price is \$1,000,000\.00\.$/],
      ["1.999", "USD", /^USD prices have at most 2 decimals: 1\.999 has 3\.$/],
      ["4.99", "JPY", /^JPY prices are whole numbers, with no decimals: enter 5 rather than 4\.99\.$/],
    ];
    for (const [price, currency, message] of cases) {
      await page.getByLabel("Price").fill(price);
      await page.getByLabel("Currency").selectOption(currency);
      await page.getByRole("button", { name: "Add product" }).click();
      await expect.poll(() => priceError.textContent()).toMatch(message);
      expect(await page.getByLabel("Price").getAttribute("aria-invalid")).toBe("true");
    }
    await page.getByLabel("Title").fill("x".repeat(125));
    expect(await page.locator("#count-title").textContent()).toBe("125 / 120 characters");
    await page.getByRole("button", { name: "Add product" }).click();
    expect(await page.locator("#error-title").textContent()).toBe(
      "The title is 125 characters; shorten it to 120 or fewer.",
    );
    expect(await page.getByLabel("Title").inputValue()).toHaveLength(125);
    await page.screenshot({
      path: join(screenshots, "desktop-seller-add-product-errors.png"),
      fullPage: true,
    });
  });

  it("checks a picked image at once (bytes, dimensions) and previews it before any upload", async () => {
    const page = pages.seller;
    await page.goto(url("/products/new"));
    await settled(page);
    let uploads = 0;
    const count = (request: { url: () => string }) => {
      if (request.url().endsWith("/api/uploads")) uploads++;
    };
    page.on("request", count);
    const picker = page.getByLabel("Promo image");
    await picker.setInputFiles({
      name: "tiny.png",
      mimeType: "image/png",
      buffer: Buffer.from(gradientPng(40, 20, [0, 0, 0], [9, 9, 9])),
    });
    await expect
      .poll(() => page.locator("#error-promoImage").textContent())
      .toMatch(/40×20 pixels; it needs at least 160×90/);
    await picker.setInputFiles({
      name: "photo.png",
      mimeType: "image/png",
      buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
    });
    await expect.poll(() => page.locator("#error-promoImage").textContent()).toMatch(/damaged|not a PNG/);
    await picker.setInputFiles({ name: "promo.png", mimeType: "image/png", buffer: Buffer.from(image) });
    await page.getByText("New image, 640×360 pixels").waitFor();
    expect(await page.locator("#error-promoImage").count()).toBe(0);
    await expect
      .poll(() => page.locator(".image-preview img").evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBe(640);
    expect(uploads).toBe(0);
    page.off("request", count);
  });

  it("guards an upload: asks before leaving, Stay keeps it, Cancel and Leave create nothing; Added at the end", {
    timeout: 90_000,
  }, async () => {
    // Prepare: a slow upload
    const page = pages.seller;
    const title = `Guarded ${stamp}`;
    const fill = async (open: () => Promise<unknown> = () => page.goto(url("/products/new"))) => {
      await open();
      await settled(page);
      await page.getByLabel("Title").fill(title);
      await page.getByLabel("Text").fill("Never half-made.");
      await page.getByLabel("Price").fill("2");
      await page
        .getByLabel("Promo image")
        .setInputFiles({ name: "p.png", mimeType: "image/png", buffer: Buffer.from(image) });
      await page.getByText("New image, 640×360 pixels").waitFor();
      await page.getByLabel("File to sell").setInputFiles({
        name: "big.bin",
        mimeType: "application/octet-stream",
        buffer: Buffer.from(randomBytes(2 * 1024 * 1024)),
      });
      await page.getByRole("button", { name: "Add product" }).click();
      await page.getByRole("button", { name: "Uploading…" }).waitFor();
    };
    const cdp = await pages.seller.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    const mine = async () =>
      ((await as.seller.call("GET", "/api/me/products?limit=100")).items as { title: string }[]).filter(
        (product) => product.title === title,
      ).length;

    // Act 1: a nav click during the upload, then Stay
    await fill();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My orders" }).click();
    const ask = page.getByRole("dialog", { name: "Leave this page?" });
    await ask.waitFor();
    await page.screenshot({ path: join(screenshots, "desktop-seller-leave-guard.png") });
    await ask.getByRole("button", { name: "Stay" }).click();
    expect(page.url()).toBe(url("/products/new"));
    expect(await page.getByRole("button", { name: "Uploading…" }).isVisible()).toBe(true);

    // Act 2: Reload or closing the tab get the browser's own question
    const beforeUnload = new Promise<string>((resolve) =>
      page.once("dialog", (dialog) => {
        resolve(dialog.type());
        void dialog.dismiss();
      }),
    );
    await page.close({ runBeforeUnload: true });
    expect(await beforeUnload).toBe("beforeunload");
    expect(page.isClosed()).toBe(false);

    // Act 3: Cancel upload
    await page.getByRole("button", { name: "Cancel upload" }).click();
    await page.getByText("Upload cancelled. Nothing was saved").waitFor();
    expect(await page.getByLabel("Title").inputValue()).toBe(title);

    // Act 4: Back during a new upload (opened with an in-app link), then Leave
    await page.goto(url("/orders"));
    await fill(() =>
      page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Add product" }).click(),
    );
    await page.evaluate(() => history.back());
    await ask.waitFor();
    await ask.getByRole("button", { name: "Leave and cancel the upload" }).click();
    await page.waitForURL(url("/orders"));
    await page.getByRole("heading", { name: "My orders" }).waitFor();

    // Assess: nothing was created behind the person's back, even once an upload would have ended
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await mine()).toBe(0);
    expect(page.url()).toBe(url("/orders"));

    // Act 5: let one finish
    await fill();
    await page.waitForURL(/\/products\/[0-9A-Za-z]{16}$/);
    await page.getByText("Added. Your product is on sale now.").waitFor();
    expect(await mine()).toBe(1);
    await cdp.detach();
  });

  it("Edit shows the current image, has Cancel, and says Saved", async () => {
    const page = pages.seller;
    await page.goto(url(`/products/${ids.paid}/edit`));
    await settled(page);
    await expect
      .poll(() =>
        page.getByAltText("The current promo image").evaluate((img: HTMLImageElement) => img.naturalWidth),
      )
      .toBe(640);
    await page.getByRole("link", { name: "Cancel" }).click();
    await page.waitForURL(url(`/products/${ids.paid}`));
    await page.goto(url(`/products/${ids.paid}/edit`));
    await settled(page);
    await page.getByLabel("Text").fill("Changed text.");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(url(`/products/${ids.paid}`));
    await page.getByText("Saved. Your changes are live.").waitFor();
  });

  it("My links: active/ended filters, reasons in words, the buyer's name, a Rotate tooltip, a confirm inside its cell", async () => {
    // The buyer: the exhausted link is under Ended, in words, and can be removed from view
    const buyer = pages.buyer;
    await buyer.setViewportSize(pageSizes.desktop);
    await buyer.goto(url("/links"));
    await settled(buyer);
    const own = buyer.getByRole("region", { name: "Links you made" });
    await own.getByText("for the team").waitFor();
    expect(await own.getByText("one download").count()).toBe(0);
    const rotate = own.locator("tr", { hasText: "for the team" }).getByRole("button", { name: "Rotate" });
    await rotate.hover();
    const tip = own.locator("tr", { hasText: "for the team" }).getByRole("tooltip");
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toMatch(/new URL.*old URL stops working/);
    await buyer.getByRole("button", { name: "Ended" }).click();
    const ended = own.locator("tr", { hasText: "one download" });
    expect(await ended.textContent()).toContain("no downloads left (all 1 used)");
    expect(await own.getByText("for the team").count()).toBe(0);
    await ended.getByRole("button", { name: /^Remove/ }).click();
    await expect.poll(() => ended.count()).toBe(0);

    // The seller: buyers' links name the buyer; a confirm stays inside its cell at both sizes
    const seller = pages.seller;
    for (const size of ["desktop", "phone"] as const) {
      await seller.setViewportSize(pageSizes[size]);
      await seller.goto(url("/links"));
      await settled(seller);
      const theirs = seller.getByRole("region", { name: "Links buyers made to your products" });
      const row = theirs.locator("tr", { hasText: "for the team" });
      expect(await row.textContent()).toContain(demoUsers[1].username);
      expect(await row.textContent()).not.toContain("a buyer");
      await row.getByRole("button", { name: "Revoke" }).click();
      const cell = row.locator("td.actions");
      const question = cell.locator(".question");
      const [outer, inner] = [await cell.boundingBox(), await question.boundingBox()];
      if (!outer || !inner) throw new Error("no boxes");
      expect(inner.x).toBeGreaterThanOrEqual(outer.x - 1);
      expect(inner.x + inner.width).toBeLessThanOrEqual(outer.x + outer.width + 1);
      expect(await sidewaysScroll(seller)).toBeLessThanOrEqual(0);
      await seller.screenshot({
        path: join(screenshots, `${size}-seller-my-links-confirm.png`),
        fullPage: true,
      });
      await row.getByRole("button", { name: "Cancel" }).click();
    }
  });

  it("API keys: the form is fresh again after a key is made", async () => {
    const page = pages.seller;
    await page.setViewportSize(pageSizes.desktop);
    await page.goto(url("/keys"));
    await settled(page);
    await page.getByLabel("Name").fill("nightly export");
    await page.getByRole("checkbox", { name: /orders:read/ }).check();
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByLabel("Your new API key").waitFor();
    expect(await page.getByLabel("Name").inputValue()).toBe("");
    expect(await page.getByRole("checkbox", { name: /orders:read/ }).isChecked()).toBe(false);
    expect(await page.getByRole("checkbox", { name: /links:read/ }).isChecked()).toBe(true);
  });

  it("honours prefers-reduced-motion: the spinner stands still", async () => {
    const page = pages.visitor;
    const animation = () =>
      page.evaluate(() => {
        const spinner = document.createElement("span");
        spinner.className = "spinner";
        document.body.append(spinner);
        const name = getComputedStyle(spinner).animationName;
        spinner.remove();
        return name;
      });
    await page.goto(url("/"));
    await page.emulateMedia({ reducedMotion: "no-preference" });
    expect(await animation()).toBe("spin");
    await page.emulateMedia({ reducedMotion: "reduce" });
    expect(await animation()).toBe("none");
  });

  it("ran without a single Content-Security-Policy violation", () => {
    expect(cspViolations).toEqual([]);
  });
});
