import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { buildWebapp } from "#src/local/build-webapp.ts";
import { type LocalEvergate, startLocalEvergate } from "#src/local/local-evergate.ts";

/** Where the Chromium tests (test/e2e/) find the browser; they skip without it. */
export const chromiumPath = "/usr/bin/chromium";

/** Where the Chromium tests write their screenshots (git ignores it). */
export const screenshots = fileURLToPath(new URL("../e2e/screenshots/", import.meta.url));

export interface WebappUnderTest {
  evergate: LocalEvergate;
  browser: Browser;
  webappDir: string;
  /** Closes the browser, stops Evergate, removes the built webapp; once, however often called. */
  stop(): Promise<void>;
}

/**
 * The webapp built into a fresh temp dir, served by a seeded local Evergate (LOG_LEVEL silent
 * plus `configOverrides`), and a headless Chromium: the three started side by side, as they take
 * the longest. If one fails, the others are stopped before the error is rethrown.
 */
export async function startWebappUnderTest(
  name: string,
  options: { configOverrides?: Record<string, string>; chromiumArgs?: string[] } = {},
): Promise<WebappUnderTest> {
  await mkdir(screenshots, { recursive: true });
  const webappDir = await mkdtemp(join(tmpdir(), `evergate-webapp-${name}-`));
  const [built, started, launched] = await Promise.allSettled([
    buildWebapp(webappDir),
    startLocalEvergate({
      port: 0,
      seed: true,
      webappDir,
      configOverrides: { LOG_LEVEL: "silent", ...options.configOverrides },
    }),
    chromium.launch({
      executablePath: chromiumPath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", ...(options.chromiumArgs ?? [])],
    }),
  ]);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopInOrder([
      () => (launched.status === "fulfilled" ? launched.value.close() : undefined),
      () => (started.status === "fulfilled" ? started.value.stop() : undefined),
      () => rm(webappDir, { recursive: true, force: true }),
    ]);
    return stopping;
  };
  if (built.status === "rejected" || started.status === "rejected" || launched.status === "rejected") {
    // The failure to start is the error worth seeing, not one from tidying up after it.
    await stop().catch(() => {});
    throw [built, started, launched].find((result) => result.status === "rejected")?.reason;
  }
  return { evergate: started.value, browser: launched.value, webappDir, stop };
}

/** Runs every step even when one throws (a browser that will not close still leaves a server to stop). */
async function stopInOrder(steps: (() => Promise<unknown> | undefined)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
}
