import { AppError } from "#src/domain/errors.ts";
import type { Page, PageRequest } from "./ports.ts";

/**
 * What the memory stores keep: copies in and copies out, without `undefined` members, as a
 * DynamoDB item round trip (marshall with removeUndefinedValues) would give them back.
 */
export function copyOf<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The sort key DynamoDB's list indexes use (docs/decisions/004-data-model.md): `<createdAt>#<id>`. */
export const byCreation = (record: { createdAt: string; id: string }) => `${record.createdAt}#${record.id}`;

/**
 * One page of a list, as DynamoDB's Query pages it: ordered by sort key (newest first unless
 * ascending), `limit` at most, and a cursor whenever the page is full (DynamoDB does not look
 * ahead, so a full last page is followed by an empty one). A cursor names its list; one from
 * another list, or not a cursor at all, is refused as DynamoDB's adapter refuses it.
 */
export function pageOf<T>(
  list: string,
  entries: Iterable<[sortKey: string, item: T]>,
  request: PageRequest,
  options: { ascending?: boolean } = {},
): Page<T> {
  const after = decodeCursor(request.cursor, list);
  const ascending = options.ascending ?? false;
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0) * (ascending ? 1 : -1));
  const rest =
    after === undefined ? sorted : sorted.filter(([key]) => (ascending ? key > after : key < after));
  const taken = rest.slice(0, request.limit);
  const last = taken.at(-1);
  return {
    items: taken.map(([, item]) => copyOf(item)),
    nextCursor: last && taken.length === request.limit ? encodeCursor(list, last[0]) : undefined,
  };
}

function encodeCursor(list: string, after: string): string {
  return Buffer.from(JSON.stringify({ list, after })).toString("base64url");
}

function decodeCursor(cursor: string | undefined, list: string): string | undefined {
  if (cursor === undefined) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    decoded = undefined;
  }
  const { list: named, after } = (decoded ?? {}) as { list?: unknown; after?: unknown };
  if (named !== list || typeof after !== "string" || after.length === 0) {
    throw new AppError("invalid_request", "The cursor is not valid for this list.");
  }
  return after;
}
