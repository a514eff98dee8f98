import { UAParser } from "ua-parser-js";
import type { ClientInfo } from "./access-event.ts";

const PREVIEWS =
  /bot\b|bot\/|crawler|spider|slack|facebookexternalhit|facebot|linkedin|discord|whatsapp|telegram|skype|embedly|iframely|outlook|safelinks|ms-office|teams|preview|vkshare|pinterest|applebot|mastodon|proofpoint|mimecast|barracuda|scanner/i;
const COMMAND_LINES =
  /^(curl|wget|httpie|aria2|axel|python-requests|python-urllib|aiohttp|go-http-client|okhttp|java\/|node-fetch|undici|node|got|axios|powershell|winhttp|libwww-perl|lwp|ruby|faraday|rclone|postmanruntime|insomnia)\b/i;

/**
 * Browser / command line / preview / other, with the browser's and the OS's family from
 * ua-parser-js (1.x: MIT; 2.x is AGPL). Runs in the stream consumer, never on the redirect.
 */
export function classifyClient(userAgent: string | undefined): ClientInfo {
  if (!userAgent) return { class: "other" };
  if (PREVIEWS.test(userAgent)) return { class: "preview" };
  if (COMMAND_LINES.test(userAgent.trim())) {
    return { class: "cli", browser: userAgent.trim().split(/[/\s]/)[0]?.slice(0, 40) };
  }
  const parsed = new UAParser(userAgent).getResult();
  const browser = parsed.browser.name;
  const os = parsed.os.name;
  if (browser && /mozilla\//i.test(userAgent)) {
    return { class: "browser", browser, ...(os ? { os } : {}) };
  }
  return { class: "other", ...(browser ? { browser } : {}), ...(os ? { os } : {}) };
}
