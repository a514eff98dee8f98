import { createHash } from "node:crypto";
import { safeFilename } from "#src/domain/content-disposition.ts";
import { downloadFilename, type Link } from "#src/domain/link.ts";
import { PASSPHRASE_MAX_CHARS } from "#src/domain/passphrase.ts";

/**
 * The small pages /l/{token} shows to people and previews. No script, no third-party resource,
 * nothing user-written unescaped; the only style is pinned by its hash in the CSP.
 */
const STYLE =
  "body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}" +
  "h1{font-size:1.4rem}button{font-size:1rem;padding:.6rem 1.2rem;background:#0b5fff;color:#fff;border:0;border-radius:.3rem;cursor:pointer}" +
  "a{color:#0b5fff}" +
  "p.note{color:#555}" +
  "label{display:block;margin:1rem 0 .3rem}input{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box;margin-bottom:1rem}" +
  "p.error{color:#b00020;font-weight:600}";
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

function page(title: string, body: string, head = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${head}<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex,nofollow"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** Pages name the file exactly as it will be saved (last segment, no control or bidi characters). */
export function previewPage(rawFilename: string): string {
  const filename = safeFilename(rawFilename);
  return page(
    `${filename} — Evergate download`,
    `<h1>${escapeHtml(filename)}</h1><p>A download shared with Evergate. Open this link in a browser to download the file.</p>`,
  );
}

/** Decimal units, as a download manager shows them: 1 kB = 1,000 bytes. */
export function readableSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 100 ? 1 : 0)} ${units[unit]}`;
}

/** Before a counted download, the person sees what they are about to spend it on and from whom. */
export function confirmPage(
  link: Link,
  remaining: number | undefined,
  options: { passphrase?: boolean; error?: string } = {},
): string {
  const filename = safeFilename(downloadFilename(link));
  const plural = remaining === 1 ? "download" : "downloads";
  // A file link (ADR 026) is someone's own file, not a product: shared, not sold, and its "title"
  // is the file's name, already the heading unless the link renames the download.
  const isFile = link.fileId !== undefined;
  const facts = [
    isFile && safeFilename(link.productTitle) === filename ? "" : `<b>${escapeHtml(link.productTitle)}</b>`,
    link.sellerName ? `${isFile ? "shared by" : "sold by"} ${escapeHtml(link.sellerName)}` : "",
    link.fileSize === undefined ? "" : readableSize(link.fileSize),
  ].filter(Boolean);
  const left =
    remaining === undefined ? "" : `<p class="note">This link has ${remaining} ${plural} left.</p>`;
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : "";
  const field = options.passphrase
    ? `<label for="passphrase">Passphrase</label><input id="passphrase" name="passphrase" type="password" autocomplete="off" required maxlength="${PASSPHRASE_MAX_CHARS}" autofocus>`
    : "";
  return page(
    `Download ${filename}`,
    `<h1>${escapeHtml(filename)}</h1><p>${facts.join(" · ")}</p>${left}` +
      (options.passphrase ? '<p class="note">This link is protected by a passphrase.</p>' : "") +
      error +
      `<form method="post">${field}<button type="submit">Download</button></form>`,
  );
}

/**
 * The answer to a browser's confirm (POST): the download starts from here by a meta refresh, with a
 * link in case it does not. Not a 303 to the storage origin: Chromium applies `form-action` to the
 * redirect after a form POST, and the signed URL is on another origin (docs/decisions/012).
 */
export function startingPage(rawFilename: string, signedUrl: string): string {
  const filename = safeFilename(rawFilename);
  const href = escapeHtml(signedUrl);
  return page(
    `Downloading ${filename}`,
    `<h1>Your download is starting…</h1><p>${escapeHtml(filename)}</p>` +
      `<p class="note">If it does not start, <a href="${href}">click here to download the file</a>. ` +
      "This link works for a few minutes; open the shared link again for a fresh one.</p>",
    `<meta http-equiv="refresh" content="0;url=${href}">`,
  );
}

export type RefusalReason =
  | "unknown"
  | "revoked"
  | "expired"
  | "exhausted"
  | "network"
  | "device_limit"
  | "locked";

const refusalText: Record<RefusalReason, { title: string; body: string }> = {
  unknown: {
    title: "Link not found",
    body: "<h1>Link not found</h1><p>This link does not exist. Check that it was copied whole.</p>",
  },
  revoked: {
    title: "Link revoked",
    body: "<h1>This link was revoked</h1><p>The person who shared it has withdrawn it. Ask them for a new one.</p>",
  },
  expired: {
    title: "Link expired",
    body: "<h1>This link has expired</h1><p>It was valid for a limited time only. Ask the person who shared it for a new one.</p>",
  },
  network: {
    title: "Not available from your network",
    body: "<h1>This link cannot be used from your network</h1><p>The person who shared it allowed it only from certain networks (an office or a VPN, for instance). Connect from one of those, or ask them for access.</p>",
  },
  device_limit: {
    title: "Device limit reached",
    body: "<h1>This link is already in use on its maximum number of devices</h1><p>It may be used only from a limited number of devices, and all of them are taken. Use it from a device where it already worked, or ask the person who shared it to reset its devices.</p>",
  },
  locked: {
    title: "Too many wrong passphrases",
    body: "<h1>This link is locked for a while</h1><p>Too many wrong passphrases were entered. Try again later, or ask the person who shared it for the passphrase.</p>",
  },
  exhausted: {
    title: "No downloads left",
    body: "<h1>This link has no downloads left</h1><p>It allowed a limited number of downloads, and all have been used. Ask the person who shared it for a new one.</p>",
  },
};

/** Why a link does not serve: a person holding a real link is told why; an unknown one reveals nothing. */
export function refusalPage(reason: RefusalReason): string {
  const { title, body } = refusalText[reason];
  return page(title, body);
}
