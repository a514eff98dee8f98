import { existsSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { Webhook as StandardWebhook } from "standardwebhooks";
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
 * Issue 16 §3 in the browser: the Webhooks page creates a webhook (secret shown once), sends a
 * test ping a real loopback receiver verifies with the standardwebhooks package, shows it in the
 * delivery log, and redelivers it as a second attempt. Both sizes, no sideways scroll, axe clean.
 */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

describe.skipIf(!existsSync(chromiumPath))("the Webhooks page (issue 16)", () => {
  let webapp: WebappUnderTest | undefined;
  let evergate: LocalEvergate;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];
  const url = (path: string) => `${evergate.url}${path}`;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        received.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/evergate`;
    webapp = await startWebappUnderTest("hooks", { configOverrides: { WEBHOOK_ALLOW_LOOPBACK: "true" } });
    ({ evergate, browser } = webapp);
    context = await browser.newContext({ viewport: pageSizes.desktop });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: evergate.url });
    page = await context.newPage();
    await logIn(page, evergate.url, demoUsers[0]);
  }, 120_000);

  afterAll(async () => {
    await webapp?.stop();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  it("create (secret once) → test ping verified by the receiver → in the log → redeliver is a second attempt", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).click();
    await page.waitForURL(url("/webhooks"));
    await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
    await page.getByText("No webhooks yet.").waitFor();

    // Nothing chosen: the form says so, sends nothing
    await page.getByLabel("Receiver URL").fill(receiverUrl);
    await page.getByRole("checkbox", { name: /link\.downloaded/ }).uncheck();
    await page.getByRole("button", { name: "Add webhook" }).click();
    await page.getByText("Choose at least one event.").waitFor();

    // The closed list from the API, as checkboxes
    const boxes = page.locator("fieldset").getByRole("checkbox");
    expect(await boxes.count()).toBe(10);
    await page.getByRole("checkbox", { name: /order\.created/ }).check();
    await page.getByRole("checkbox", { name: /link\.downloaded/ }).check();
    await page.getByRole("button", { name: "Add webhook" }).click();

    const secretField = page.getByLabel("Signing secret of the new webhook");
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await page.getByRole("button", { name: "Copy" }).click();
    await page.getByText("Copied to the clipboard.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    const card = page.locator("li.webhook");
    await card.getByRole("heading", { name: receiverUrl }).waitFor();
    expect(await card.textContent()).toContain("order.created");
    expect(await card.locator("[data-state]").textContent()).toBe("enabled");
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: join(screenshots, "desktop-webhooks-secret.png"), fullPage: true });

    // Shown once: after a reload the page has it nowhere
    await page.reload();
    await card.getByRole("heading", { name: receiverUrl }).waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await page.getByText("Signing secret").count()).toBe(0);

    // A test ping: the receiver gets it, signed with that secret
    await card.getByRole("button", { name: "Send test ping" }).click();
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    const [ping] = received;
    const payload = new StandardWebhook(secret).verify(ping?.body ?? "", {
      "webhook-id": String(ping?.headers["webhook-id"]),
      "webhook-timestamp": String(ping?.headers["webhook-timestamp"]),
      "webhook-signature": String(ping?.headers["webhook-signature"]),
    }) as { type: string };
    expect(payload.type).toBe("webhook.ping");
    expect(() =>
      new StandardWebhook(`whsec_${Buffer.alloc(32, 1).toString("base64")}`).verify(ping?.body ?? "", {
        "webhook-id": String(ping?.headers["webhook-id"]),
        "webhook-timestamp": String(ping?.headers["webhook-timestamp"]),
        "webhook-signature": String(ping?.headers["webhook-signature"]),
      }),
    ).toThrow();

    // …and the log shows the attempt: event, status code, latency, outcome
    const row = card.locator("tr[data-delivery-id]");
    await expect.poll(() => row.getAttribute("data-attempts"), { timeout: 10_000 }).toBe("1");
    // The list may be reloading (Refresh, the page's own poll): read the cells once the row is drawn.
    const cellsOf = () => row.locator("td").allTextContents();
    await expect.poll(async () => (await cellsOf())[1], { timeout: 10_000 }).toBe("webhook.ping");
    const cells = await cellsOf();
    expect(cells[1]).toBe("webhook.ping");
    expect(cells[2]).toBe("204");
    expect(cells[3]).toMatch(/^\d+ ms$/);
    expect(cells[4]).toContain("delivered");

    // Redeliver: the same message again, a second attempt in the log
    await row.getByRole("button", { name: /^Redeliver webhook\.ping/ }).click();
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(2);
    expect(received[1]?.headers["webhook-id"]).toBe(ping?.headers["webhook-id"]);
    await expect.poll(() => row.getAttribute("data-attempts"), { timeout: 10_000 }).toBe("2");
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: join(screenshots, "desktop-webhooks-log.png"), fullPage: true });

    // Keyboard: disable with Enter, and a disabled webhook cannot ping
    await card.getByRole("button", { name: "Disable" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => card.locator("[data-state]").textContent()).toBe("disabled");
    expect(await card.getByRole("button", { name: "Send test ping" }).isDisabled()).toBe(true);
    await card.getByRole("button", { name: "Enable" }).click();
    await expect.poll(() => card.locator("[data-state]").textContent()).toBe("enabled");

    // Rotate: a new secret, shown once, different from the first
    await card.getByRole("button", { name: "Rotate secret" }).click();
    await card.getByRole("button", { name: "Yes, rotate" }).click();
    const rotatedField = page.getByLabel(`New signing secret for ${receiverUrl}`);
    await rotatedField.waitFor();
    const rotated = await rotatedField.inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.getByLabel(`New signing secret for ${receiverUrl}`).count()).toBe(0);
  }, 90_000);

  it("at 390 px nothing scrolls sideways and axe finds nothing serious; delete asks first", async () => {
    await page.setViewportSize(pageSizes.phone);
    await page.goto(url("/webhooks"));
    const card = page.locator("li.webhook");
    await card.getByRole("heading", { name: receiverUrl }).waitFor();
    await card.getByRole("button", { name: "Deliveries" }).click();
    await card.locator("tr[data-delivery-id]").first().waitFor();
    expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
    expect(await axeProblems(page)).toEqual([]);
    await page.screenshot({ path: join(screenshots, "phone-webhooks.png"), fullPage: true });

    await card.getByRole("button", { name: "Delete" }).click();
    await card.getByRole("button", { name: "Cancel" }).click();
    expect(await card.count()).toBe(1);
    await card.getByRole("button", { name: "Delete" }).click();
    await card.getByRole("button", { name: "Yes, delete" }).click();
    await page.getByText("No webhooks yet.").waitFor();
    await page.setViewportSize(pageSizes.desktop);
  }, 60_000);
});
