import type { Context } from "hono";
import type { AppEnv } from "./context.ts";

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

/**
 * Where links are served. Request headers are trusted only where the deployment says so (ADR 016):
 * - PUBLIC_BASE_URL when configured;
 * - else, with APP_ORIGIN_FROM_REQUEST (behind CloudFront, whose viewer-request function always
 *   overwrites X-Forwarded-Host with the viewer's Host: infra/edge/api-viewer-request.js),
 *   https://{X-Forwarded-Host};
 * - else http://localhost:{PORT}, the local server's own address. Never Host or X-Forwarded-Host:
 *   a forged one would otherwise print an attacker's host into the link a seller then shares.
 */
export function publicBaseUrl(c: Context<AppEnv>): string {
  const { PUBLIC_BASE_URL: configured, APP_ORIGIN_FROM_REQUEST: fromEdge, PORT } = c.get("deps").config;
  if (configured) return configured.replace(/\/$/, "");
  if (!fromEdge) return `http://localhost:${PORT}`;
  const forwardedHost = c.req.header("x-forwarded-host");
  return `https://${forwardedHost && HOST.test(forwardedHost) ? forwardedHost : new URL(c.req.url).host}`;
}
