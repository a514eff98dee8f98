import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "./errors.ts";

/**
 * Opaque, tamper-evident cursors for filtered lists: the position and the filter the list was
 * made for, signed with a server key. A cursor changed by hand, or sent with other filters than
 * its first page's, is a 400 rather than a silently different list.
 */
const invalid = () =>
  new AppError("invalid_request", "The cursor is not valid for this list (or its filters changed).", {
    errors: [{ path: "cursor", message: "not valid for this list and filters" }],
  });

const macOf = (key: Buffer, body: string) =>
  createHmac("sha256", key).update("evergate list cursor\n").update(body).digest("base64url").slice(0, 22);

export function signCursor(key: Buffer, list: string, position: string): string {
  const body = Buffer.from(JSON.stringify({ l: list, p: position })).toString("base64url");
  return `${body}.${macOf(key, body)}`;
}

/** The position the cursor holds, if it is ours and made for `list`; otherwise a 400. */
export function readCursor(key: Buffer, list: string, cursor: string): string {
  const [body, mac, extra] = cursor.split(".");
  if (!body || !mac || extra !== undefined) throw invalid();
  const expected = Buffer.from(macOf(key, body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
  const decoded = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { l?: unknown; p?: unknown };
  if (decoded.l !== list || typeof decoded.p !== "string" || decoded.p.length === 0) throw invalid();
  return decoded.p;
}
