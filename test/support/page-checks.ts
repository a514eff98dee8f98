import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";

/** The checks every webapp page passes in Chromium, at both sizes (test/e2e/). */

export const pageSizes = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

const axeSource = readFile(
  fileURLToPath(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url)),
  "utf8",
);

/** axe-core's serious and critical violations on the page, one line each. */
export async function axeProblems(page: Page): Promise<string[]> {
  // evaluate() is not subject to the page's CSP, unlike an injected <script>.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(await axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<unknown> } }).axe;
    const result = (await axe.run(document)) as {
      violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
    };
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

/** How much wider than the window the page is (0 or less: no sideways scroll). */
export function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = document.scrollingElement as Element;
    return root.scrollWidth - root.clientWidth;
  });
}

/** Logs a person in the way they would: the header's Log in, the login page's form, back home. */
export async function logIn(page: Page, baseUrl: string, user: { username: string; password: string }) {
  await page.goto(`${baseUrl}/`);
  await page.getByRole("banner").getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/oauth2\/authorize/);
  await page.fill('input[name="username"]', user.username);
  await page.fill('input[name="password"]', user.password);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${baseUrl}/`);
}
