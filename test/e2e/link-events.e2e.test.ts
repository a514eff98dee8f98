import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_CSV_COLUMNS } from "#src/domain/link-stats.ts";
import { gradientPng } from "#src/local/demo-files.ts";
import { demoUsers, type LocalEvergate } from "#src/local/local-evergate.ts";
import { apiAs } from "../support/api-as.ts";
import { axeProblems, logIn, pageSizes, sidewaysScroll } from "../support/page-checks.ts";
import {
  chromiumPath,
  screenshots,
  startWebappUnderTest,
  type WebappUnderTest,
} from "../support/webapp-under-test.ts";

/**
 * Issue 16 in the browser: a real download through /l/ shows in the link's chart, figures and
 * event list within seconds; the CSV export downloads those rows; the seller's product view adds
 * up its links. Both sizes, no sideways scroll, axe clean, no CSP violation (uPlot draws on a
 * canvas and sets styles through the CSSOM only).
 */
describe.skipIf(!existsSync(chromiumPath))("link downloads in the webapp (issue 16)", () => {
  let webapp: WebappUnderTest | undefined;
  let evergate: LocalEvergate;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let token: string;
  let productId: string;
  let link: { id: string; url: string };
  const cspViolations: string[] = [];
  const url = (path: string) => `${evergate.url}${path}`;

  const { call, upload } = apiAs(
    () => `http://127.0.0.1:${evergate.port}`,
    () => token,
  );

  /** Whether the chart's canvas has the series' blue on it (uPlot drew the line, not just axes). */
  const chartHasBlue = () =>
    page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>(".chart canvas");
      const pixels = canvas?.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data;
      if (!pixels) return 0;
      let blue = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const [r = 0, g = 0, b = 0, a = 0] = pixels.subarray(i, i + 4);
        if (b > 200 && r < 60 && g < 140 && a > 200) blue++;
      }
      return blue;
    });

  beforeAll(async () => {
    webapp = await startWebappUnderTest("events");
    ({ evergate, browser } = webapp);
    token = (await evergate.stack.login(demoUsers[0].username, demoUsers[0].password)).accessToken;
    const product = await call("POST", "/api/products", {
      title: `Field recordings ${Date.now()}`,
      description: "Sounds.",
      price: { amount: 500, currency: "EUR" },
      imageUploadId: await upload(
        "promoImage",
        gradientPng(640, 360, [20, 90, 60], [240, 220, 120]),
        "image/png",
        "p.png",
      ),
      deliverableUploadId: await upload(
        "deliverable",
        new Uint8Array(randomBytes(4096)),
        "application/zip",
        "sounds.zip",
      ),
    });
    productId = product.id as string;
    link = (await call("POST", "/api/links", { productId, label: "for the studio" })) as typeof link;

    context = await browser.newContext({ acceptDownloads: true, viewport: pageSizes.desktop });
    page = await context.newPage();
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) cspViolations.push(message.text());
    });
    await logIn(page, evergate.url, demoUsers[0]);
  }, 120_000);

  afterAll(() => webapp?.stop());

  it("a download through /l/ shows in the chart, the figures and the event list within seconds; CSV has its row", async () => {
    await page.goto(url("/links"));
    await page.getByRole("link", { name: "for the studio" }).click();
    await page.waitForURL(url(`/links/${link.id}`));
    await page.getByRole("heading", { name: "Link “for the studio”" }).waitFor();
    await expect.poll(() => page.locator(".chart").getAttribute("data-total")).toBe("0");
    await expect(page.locator("main").getByText("No events yet.")).toBeTruthy();

    // A real download, as a command-line client would make it
    const downloadedAt = Date.now();
    const hit = await fetch(link.url, { redirect: "manual", headers: { "user-agent": "curl/8.5.0" } });
    expect(hit.status).toBe(302);
    const answeredAt = Date.now();

    let visibleAt = 0;
    await expect
      .poll(
        async () => {
          const events = (await call("GET", `/api/links/${link.id}/events`)) as { items: { kind: string }[] };
          if (events.items.some((event) => event.kind === "download") && !visibleAt) visibleAt = Date.now();
          return visibleAt > 0;
        },
        { timeout: 10_000, interval: 20 },
      )
      .toBe(true);
    console.info(
      `event lag: ${visibleAt - answeredAt} ms after the redirect answered (${answeredAt - downloadedAt} ms redirect)`,
    );

    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => page.locator(".chart").getAttribute("data-total")).toBe("1");
    await expect.poll(chartHasBlue, { timeout: 5_000 }).toBeGreaterThan(20);
    expect(await page.locator('[data-figure="downloads"]').textContent()).toBe("1");
    expect(await page.locator('[data-figure="devices"]').textContent()).toBe("1");
    expect(await page.getByText("used from about 1 device").count()).toBe(1);
    const row = page.locator('tr[data-event-kind="download"]');
    await row.waitFor();
    expect(await row.textContent()).toContain("granted");
    expect(await row.textContent()).toContain("cli");
    const classes = page.locator('section[aria-labelledby="classes-heading"]');
    expect(await classes.textContent()).toContain("Command line");

    // The outcome filter: no refusals, then the download again
    await page.getByLabel("Outcome").selectOption("revoked");
    await page.getByText("No events with this outcome.").waitFor();
    await page.getByLabel("Outcome").selectOption("granted");
    await row.waitFor();

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`link-${link.id.slice(0, 12)}-events.csv`);
    const csv = await readFile((await download.path()) as string, "utf8");
    const lines = csv.trim().split("\r\n");
    const unquote = (cell: string) => cell.replace(/^"(.*)"$/, "$1").replaceAll('""', '"');
    const header = (lines[0] ?? "").split(",").map(unquote);
    expect(header).toEqual([...EVENT_CSV_COLUMNS]);
    const rows = lines
      .slice(1)
      .map((line) => Object.fromEntries(line.split(",").map((cell, i) => [header[i], unquote(cell)])));
    const events = (await call("GET", `/api/links/${link.id}/events`)) as {
      items: { id: string; kind: string }[];
    };
    const downloads = rows.filter((r) => r.kind === "download");
    expect(downloads).toHaveLength(1);
    expect(downloads[0]).toMatchObject({
      outcome: "granted",
      clientClass: "cli",
      eventId: events.items.find((event) => event.kind === "download")?.id,
    });
    expect(rows.map((r) => r.eventId).sort()).toEqual(events.items.map((event) => event.id).sort());
    expect(csv).not.toMatch(/127\.0\.0\.1|::1/);
    await page.screenshot({ path: join(screenshots, "desktop-seller-link-detail.png"), fullPage: true });
  });

  it("the seller's product view adds up the product's links", async () => {
    await page.goto(url(`/products/${productId}`));
    await page.getByRole("link", { name: "Downloads" }).click();
    await page.waitForURL(url(`/products/${productId}/stats`));
    await expect.poll(() => page.locator(".chart").getAttribute("data-total")).toBe("1");
    await expect.poll(chartHasBlue, { timeout: 5_000 }).toBeGreaterThan(20);
    await page.screenshot({ path: join(screenshots, "desktop-seller-product-stats.png"), fullPage: true });
  });

  for (const size of ["desktop", "phone"] as const) {
    it(`${size}: the link and product views fit the width, pass axe and are keyboard usable`, async () => {
      await page.setViewportSize(pageSizes[size]);
      const problems: string[] = [];
      for (const [name, path] of [
        ["link-detail", `/links/${link.id}`],
        ["product-stats", `/products/${productId}/stats`],
      ] as const) {
        await page.goto(url(path));
        await page.locator(".chart canvas").waitFor();
        await expect.poll(() => page.locator("main .loading").count()).toBe(0);
        const tooWide = await sidewaysScroll(page);
        if (tooWide > 0) problems.push(`${path}: ${tooWide} px too wide`);
        for (const violation of await axeProblems(page)) problems.push(`${path}: ${violation}`);
        await page.screenshot({ path: join(screenshots, `${size}-seller-${name}.png`), fullPage: true });
      }
      expect(problems).toEqual([]);
      // Keyboard: the chart's unit buttons are reachable and work with Enter
      await page.goto(url(`/links/${link.id}`));
      await page.locator(".chart canvas").waitFor();
      const hour = page.getByRole("button", { name: "Hour (last 48 h)" });
      await hour.focus();
      await page.keyboard.press("Enter");
      await expect.poll(() => hour.getAttribute("aria-pressed")).toBe("true");
      await expect.poll(() => page.locator(".chart").getAttribute("data-total")).toBe("1");
    });
  }

  it("ran without a single Content-Security-Policy violation", () => {
    expect(cspViolations).toEqual([]);
  });
});
