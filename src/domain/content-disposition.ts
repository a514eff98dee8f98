import { withoutInvisible } from "./invisible-text.ts";

/**
 * Builds `attachment` Content-Disposition values per RFC 6266 with an RFC 5987 `filename*` for
 * unicode. The name is reduced to its last path segment and stripped of control characters, so it
 * can neither inject a header (CR/LF) nor smuggle a directory into the saved file's name, and of
 * invisible characters (bidi overrides, zero-width and blank-looking characters: invisible-text.ts),
 * so it cannot disguise or hide its extension.
 */
const MAX_FILENAME_LENGTH = 200;

export function safeFilename(raw: string): string {
  const lastSegment = raw.split(/[/\\]/).pop() ?? "";
  // Bidi controls make "invoice\u202Efdp.exe" show as "invoiceexe.pdf", and a run of U+3164 can
  // push ".exe" out of sight: the shown name must be the whole real one.
  const cleaned = withoutInvisible(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    lastSegment.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ""),
  )
    .trim()
    .replace(/^\.+/, "");
  const bounded = Array.from(cleaned).slice(0, MAX_FILENAME_LENGTH).join("");
  return bounded.length > 0 ? bounded : "download";
}

/** RFC 5987 attr-char encoding: encodeURIComponent leaves ' ( ) * unescaped, which attr-char forbids. */
function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function asciiFallback(value: string): string {
  return value.replace(/[^\x20-\x7e]|["\\%]/gu, "_");
}

export function attachmentDisposition(rawFilename: string): string {
  const filename = safeFilename(rawFilename);
  return `attachment; filename="${asciiFallback(filename)}"; filename*=UTF-8''${encodeExtValue(filename)}`;
}
