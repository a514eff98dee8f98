import { createHash } from "node:crypto";
import { safeFilename } from "#src/domain/content-disposition.ts";

/**
 * The small pages /l/{token} shows to people and previews. No script, no third-party resource,
 * nothing user-written unescaped; the only style is pinned by its hash in the CSP.
 */
const STYLE =
  "body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}" +
  "h1{font-size:1.4rem}button{font-size:1rem;padding:.6rem 1.2rem;background:#0b5fff;color:#fff;border:0;border-radius:.3rem;cursor:pointer}" +
  "p.note{color:#555}";
const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

export const linkPageHeaders: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  "cache-control": "private, no-store",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex, nofollow",
};

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"'`]/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" })[ch] ?? ch,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex,nofollow"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** Pages name the file exactly as it will be saved (last segment, no control or bidi characters). */
export function previewPage(rawFilename: string): string {
  const filename = safeFilename(rawFilename);
  return page(
    `${filename} — Evergate download`,
    `<h1>${escapeHtml(filename)}</h1><p>A download shared with Evergate. Open this link in a browser to download the file.</p>`,
  );
}

export function confirmPage(rawFilename: string, remaining: number): string {
  const filename = safeFilename(rawFilename);
  const plural = remaining === 1 ? "download" : "downloads";
  return page(
    `Download ${filename}`,
    `<h1>${escapeHtml(filename)}</h1><p class="note">This link has ${remaining} ${plural} left.</p>` +
      `<form method="post"><button type="submit">Download</button></form>`,
  );
}

export function refusalPage(status: 404 | 410): string {
  return status === 404
    ? page(
        "Link not found",
        "<h1>Link not found</h1><p>This link does not exist. Check that it was copied whole.</p>",
      )
    : page(
        "Link no longer available",
        "<h1>This link is no longer available</h1><p>It was revoked, has expired, or has no downloads left. Ask the person who shared it for a new one.</p>",
      );
}
