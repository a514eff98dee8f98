import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";

/** Runs `act` and answers the download it starts: the name Chromium saves and the bytes. */
export async function downloadFrom(page: Page, act: () => Promise<unknown>) {
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 15_000 }), act()]);
  const path = await download.path();
  return {
    filename: download.suggestedFilename(),
    bytes: await readFile(path),
    failure: await download.failure(),
  };
}

/** page.goto on a URL that turns into a download rejects ("Download is starting"): expected here. */
export const visit = (page: Page, url: string) => page.goto(url).catch((error: Error) => error);
