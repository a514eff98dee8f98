import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoUsers, type LocalEvergate } from "#src/local/local-evergate.ts";
import { axeProblems, logIn, pageSizes, sidewaysScroll } from "../support/page-checks.ts";
import {
  chromiumPath,
  screenshots,
  startWebappUnderTest,
  type WebappUnderTest,
} from "../support/webapp-under-test.ts";

/**
 * Issue 17 §2 in the browser: the API keys page rotates a key (ADR 030). Rotate asks first, then
 * shows the new secret once and until when the old one works; both secrets open the API during
 * the overlap, and the list says so. At 1280×800 and 390×844: axe clean, no sideways scroll.
 */
const OVERLAP_SECONDS = 3600;

describe.skipIf(!existsSync(chromiumPath))("the API keys page rotates a key (issue 17)", () => {
  let webapp: WebappUnderTest | undefined;
  let evergate: LocalEvergate;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let accessToken: string;
  const url = (path: string) => `${evergate.url}${path}`;

  const api = async (path: string, token: string) =>
    fetch(`http://127.0.0.1:${evergate.port}${path}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    webapp = await startWebappUnderTest("keys", {
      configOverrides: { API_KEY_ROTATION_OVERLAP_SECONDS: String(OVERLAP_SECONDS) },
    });
    ({ evergate, browser } = webapp);
    accessToken = (await evergate.stack.login(demoUsers[0].username, demoUsers[0].password)).accessToken;
    context = await browser.newContext({ viewport: pageSizes.desktop });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: evergate.url });
    page = await context.newPage();
    await logIn(page, evergate.url, demoUsers[0]);
  }, 120_000);

  afterAll(() => webapp?.stop());

  for (const size of ["desktop", "phone"] as const) {
    it(`${size}: Rotate asks, shows the new secret once and until when the old one works; both work meanwhile`, async () => {
      // Prepare: a key made on the page
      await page.setViewportSize(pageSizes[size]);
      await page.goto(url("/keys"));
      await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
      const name = `nightly sync ${size}`;
      await page.getByLabel("Name").fill(name);
      await page.getByRole("button", { name: "Create key" }).click();
      const createdField = page.getByLabel("Your new API key");
      await createdField.waitFor();
      const oldSecret = await createdField.inputValue();
      expect(oldSecret).toMatch(/^evk_[0-9A-Za-z]{34}$/);
      await page.getByRole("button", { name: "Done" }).click();
      const row = page.getByRole("row").filter({ hasText: name });
      await row.getByText(`…${oldSecret.slice(-4)}`).waitFor();

      // Act: Rotate asks first; Cancel changes nothing
      await row.getByRole("button", { name: "Rotate" }).click();
      await row.getByText("Give this key a new secret?").waitFor();
      expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
      expect(await axeProblems(page)).toEqual([]);
      await row.getByRole("button", { name: "Cancel" }).click();
      expect(await (await api("/api/me", oldSecret)).status).toBe(200);
      const untouched = (await (await api("/api/keys?limit=100", accessToken)).json()) as {
        items: Array<{ name: string; rotatedAt?: string }>;
      };
      expect(untouched.items.find((item) => item.name === name)).not.toHaveProperty("rotatedAt");

      await row.getByRole("button", { name: "Rotate" }).click();
      await row.getByRole("button", { name: "Yes, new secret" }).click();

      // Assess: the new secret, once, and the old one's end as the API stated it
      const newField = page.getByLabel(`New secret for “${name}”`);
      await newField.waitFor();
      const newSecret = await newField.inputValue();
      expect(newSecret).toMatch(/^evk_[0-9A-Za-z]{34}$/);
      expect(newSecret).not.toBe(oldSecret);
      const listed = (await (await api("/api/keys?limit=100", accessToken)).json()) as {
        items: Array<{ name: string; keyHint: string; previousKeyValidUntil?: string }>;
      };
      const key = listed.items.find((item) => item.name === name);
      expect(key?.keyHint).toBe(newSecret.slice(-4));
      const until = key?.previousKeyValidUntil ?? "";
      expect(Date.parse(until) - Date.now()).toBeGreaterThan((OVERLAP_SECONDS - 120) * 1000);
      const shownUntil = await page.evaluate(
        (iso) =>
          new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(
            new Date(iso),
          ),
        until,
      );
      await page.getByText(`The old secret keeps working until ${shownUntil}, then stops.`).waitFor();
      await row.getByText(`…${newSecret.slice(-4)}`).waitFor();
      await row.getByText(`· old secret until ${shownUntil}`).waitFor();
      expect(await (await api("/api/me", newSecret)).status).toBe(200);
      expect(await (await api("/api/me", oldSecret)).status).toBe(200);

      expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
      expect(await axeProblems(page)).toEqual([]);
      await page.screenshot({ path: join(screenshots, `${size}-api-keys-rotated.png`), fullPage: true });

      // Shown once: Done removes it, and a reload does not bring it back
      await page.getByRole("button", { name: "Done" }).click();
      expect(await newField.count()).toBe(0);
      await page.reload();
      await row.getByText(`…${newSecret.slice(-4)}`).waitFor();
      expect(await page.content()).not.toContain(newSecret);
    });
  }
});
