import type { Context } from "hono";
import type { AppEnv } from "./context.ts";

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

/**
 * Where links are served: PUBLIC_BASE_URL when configured (always in AWS), otherwise the origin
 * the request came to. A forged Host can only change the URL printed back to that same caller.
 */
export function publicBaseUrl(c: Context<AppEnv>): string {
  const { PUBLIC_BASE_URL: configured, APP_ORIGIN_FROM_REQUEST: fromRequest } = c.get("deps").config;
  if (configured) return configured.replace(/\/$/, "");
  const url = new URL(c.req.url);
  const forwardedHost = c.req.header("x-forwarded-host");
  const host = forwardedHost && HOST.test(forwardedHost) ? forwardedHost : url.host;
  if (fromRequest) return `https://${host}`;
  const proto = c.req.header("x-forwarded-proto") === "https" ? "https" : url.protocol.replace(":", "");
  return `${proto}://${host}`;
}
