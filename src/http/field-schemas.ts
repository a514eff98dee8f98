import { z } from "@hono/zod-openapi";
import { looksBlank } from "#src/domain/invisible-text.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: same, but a description may hold newlines and tabs
const CONTROL_EXCEPT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * One line of user text: trimmed, bounded, no control characters (no header or log injection), and
 * something visible: a title of U+3164 HANGUL FILLER alone looks empty (invisible-text.ts). Invisible
 * characters inside visible text stay (ZWJ emoji, ZWNJ in Persian); where a name is shown or saved
 * as a file name they are dropped (content-disposition.ts).
 */
export const singleLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !CONTROL.test(value), "must not contain control characters")
    .refine((value) => !looksBlank(value), "must contain a visible character");

export const multiLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !CONTROL_EXCEPT_NEWLINES.test(value), "must not contain control characters")
    .refine((value) => !looksBlank(value), "must contain a visible character");

export const futureDateTime = z.iso
  .datetime({ offset: true })
  .refine((value) => Date.parse(value) < Date.parse("2200-01-01T00:00:00Z"), "must be before 2200")
  .openapi({ example: "2027-01-31T23:59:59Z" });

export const productIdSchema = z
  .string()
  .regex(/^[0-9A-Za-z]{16}$/, "must be a product id")
  .openapi({ example: "8fK2mQ0aZr4TtYc1" });

/** Ids that are SHA-256 hashes of tokens (links, API keys), base64url. */
export const hashIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, "must be an id")
  .openapi({ example: "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg" });

/** File ids (docs/decisions/026-files-and-file-links.md): `evf_`, a key id, a secret and a tag. */
export const fileIdSchema = z
  .string()
  .regex(/^evf_[0-9A-Za-z]{34}$/, "must be a file id")
  .openapi({ example: "evf_a7Hq2LmZ0pXc9RtY4bNw1KdE3sJ5vU6fGh" });

/** A MIME type without parameters, lower-cased: what a presigned PUT pins as Content-Type. */
export const mimeTypeSchema = z
  .string()
  .max(100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/,
    "must be a MIME type without parameters",
  )
  .transform((value) => value.toLowerCase());

/** A link's tag: short, no spaces, so it reads the same in a URL query and a CLI flag. */
export const tagSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,39}$/,
    "must be 1-40 letters, digits or _ . : / - (starting alphanumeric)",
  )
  .openapi({ example: "spring-course" });

export const tagsSchema = z
  .array(tagSchema)
  .max(10)
  .refine((tags) => new Set(tags).size === tags.length, "must not repeat a tag")
  .openapi({ description: "Up to 10 tags of your own, to filter and revoke links by." });

/** The caller's own reference for a link: printable ASCII, unique among the owner's links. */
export const externalIdSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, "must be 1-128 printable ASCII characters without spaces")
  .openapi({
    description: "Your own reference for the link (an order line, a user id); unique among your links.",
    example: "order-8812-line-1",
  });
