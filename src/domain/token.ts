import { createHash, createHmac } from "node:crypto";
import { crc32 } from "node:zlib";
import { customAlphabet } from "nanoid";

/**
 * Link tokens and API keys share one scheme (docs/decisions/015-keyed-token-tags.md): a fixed
 * prefix per kind (so secret scanners can spot leaks), the id of the server key that tagged it
 * (one base62 character), 22 random base62 characters (≈131 bits from nanoid's CSPRNG) and an
 * 11-character tag: the first 64 bits of HMAC-SHA-256 over the rest, under that server key. Only
 * the server can mint a token that passes, so a forged one is refused before any database call.
 *
 * File ids (`evf_`) use it too, though they are not secret: a guessed id is refused before any
 * database call (docs/decisions/026-files-and-file-links.md).
 *
 * Tokens minted before the keys (32 characters, an unkeyed CRC-32 checksum) are "legacy": their
 * format is checked here; whether one was really issued is for src/services/token-check.ts.
 */
export const tokenPrefixes = { link: "evg_", apiKey: "evk_", file: "evf_" } as const;
export type TokenKind = keyof typeof tokenPrefixes;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SECRET_LENGTH = 22;
const TAG_LENGTH = 11; // 62^11 > 2^64
const randomSecret = customAlphabet(BASE62, SECRET_LENGTH);

export const TOKEN_LENGTH = 4 + 1 + SECRET_LENGTH + TAG_LENGTH;
const KEYED_BODY = new RegExp(`^[0-9A-Za-z]{${1 + SECRET_LENGTH + TAG_LENGTH}}$`);

/** The server keys that tag tokens: every one verifies, the first mints. */
export interface TokenKeyRing {
  mintingKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

const KEY_ENTRY = /^([0-9A-Za-z]):([A-Za-z0-9_-]{43,})$/;

/**
 * Parses `id:secret,id:secret` (ids one base62 character, secrets base64url of at least 32
 * bytes); the first entry mints. Throws on anything else, naming what is wrong but no secret.
 */
export function parseTokenKeys(text: string): TokenKeyRing {
  const keys = new Map<string, Buffer>();
  for (const entry of text.split(",")) {
    const match = KEY_ENTRY.exec(entry.trim());
    if (!match?.[1] || !match[2]) {
      throw new Error("each entry must be <one base62 character>:<base64url secret of 32+ bytes>");
    }
    if (keys.has(match[1])) throw new Error(`key id ${match[1]} is listed twice`);
    keys.set(match[1], Buffer.from(match[2], "base64url"));
  }
  const mintingKeyId = keys.keys().next().value;
  if (mintingKeyId === undefined) throw new Error("needs at least one key");
  return { mintingKeyId, keys };
}

/** A new `id:secret` entry for TOKEN_KEYS (npm start keeps one in DATA_DIR; tests make their own). */
export function newTokenKeyEntry(id = "a"): string {
  return `${id}:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
}

/** The first 8 bytes as a base62 number of `length` digits, in two 32-bit limbs (no BigInt: hot path). */
function base62(bytes: Buffer, length: number): string {
  let high = bytes.readUInt32BE(0);
  let low = bytes.readUInt32BE(4);
  let encoded = "";
  for (let i = 0; i < length; i++) {
    const carry = high % 62;
    high = Math.floor(high / 62);
    const rest = carry * 0x1_0000_0000 + low;
    encoded = BASE62[rest % 62] + encoded;
    low = Math.floor(rest / 62);
  }
  return encoded;
}

const tagOf = (key: Buffer, head: string) =>
  base62(createHmac("sha256", key).update(head).digest(), TAG_LENGTH);

/** SHA-256 of the whole token, base64url: the only form a token is ever stored in. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

export interface MintedToken {
  token: string;
  hash: string;
  hint: string;
}

export function mintToken(kind: TokenKind, keys: TokenKeyRing): MintedToken {
  const key = keys.keys.get(keys.mintingKeyId) as Buffer;
  const head = tokenPrefixes[kind] + keys.mintingKeyId + randomSecret();
  const token = head + tagOf(key, head);
  return { token, hash: hashToken(token), hint: token.slice(-4) };
}

export type TokenFormat = "keyed" | "legacy" | "invalid";

/**
 * What a candidate is, in memory only: `keyed` when its tag verifies under the key it names,
 * `legacy` when it has the old length and a valid CRC-32 (anyone can compute that one), else
 * `invalid`. Only a keyed or a listed legacy token may cost a database call.
 */
export function tokenFormat(kind: TokenKind, candidate: string, keys: TokenKeyRing): TokenFormat {
  const prefix = tokenPrefixes[kind];
  if (!candidate.startsWith(prefix)) return "invalid";
  if (candidate.length === LEGACY_TOKEN_LENGTH) return isLegacyToken(kind, candidate) ? "legacy" : "invalid";
  if (candidate.length !== TOKEN_LENGTH || !KEYED_BODY.test(candidate.slice(prefix.length))) return "invalid";
  const key = keys.keys.get(candidate[prefix.length] as string);
  if (!key) return "invalid";
  const head = candidate.slice(0, TOKEN_LENGTH - TAG_LENGTH);
  return tagOf(key, head) === candidate.slice(TOKEN_LENGTH - TAG_LENGTH) ? "keyed" : "invalid";
}

/** The first 8 bytes of a stored id (SHA-256, base64url): what the legacy allow-list holds. */
export function legacyIdPrefix(storedId: string): bigint {
  return Buffer.from(storedId, "base64url").readBigUInt64BE(0);
}

// Legacy tokens: 4 + 22 + a 6-character base62 CRC-32, minted until the keyed tags (ADR 015).
const LEGACY_CHECKSUM_LENGTH = 6;
export const LEGACY_TOKEN_LENGTH = 4 + SECRET_LENGTH + LEGACY_CHECKSUM_LENGTH;
const LEGACY_BODY = new RegExp(`^[0-9A-Za-z]{${SECRET_LENGTH + LEGACY_CHECKSUM_LENGTH}}$`);

function legacyChecksum(prefixAndSecret: string): string {
  let value = crc32(prefixAndSecret);
  let encoded = "";
  for (let i = 0; i < LEGACY_CHECKSUM_LENGTH; i++) {
    encoded = BASE62[value % 62] + encoded;
    value = Math.floor(value / 62);
  }
  return encoded;
}

function isLegacyToken(kind: TokenKind, candidate: string): boolean {
  const prefix = tokenPrefixes[kind];
  if (candidate.length !== LEGACY_TOKEN_LENGTH || !candidate.startsWith(prefix)) return false;
  if (!LEGACY_BODY.test(candidate.slice(prefix.length))) return false;
  const head = candidate.slice(0, LEGACY_TOKEN_LENGTH - LEGACY_CHECKSUM_LENGTH);
  return legacyChecksum(head) === candidate.slice(LEGACY_TOKEN_LENGTH - LEGACY_CHECKSUM_LENGTH);
}

/**
 * A token in the old format, as the code before ADR 015 minted it: what anyone can compute, so
 * only tests (standing in for links issued before the upgrade, or for a forger) use it.
 */
export function mintLegacyToken(kind: TokenKind): MintedToken {
  const head = tokenPrefixes[kind] + randomSecret();
  const token = head + legacyChecksum(head);
  return { token, hash: hashToken(token), hint: token.slice(-4) };
}

/** Random identifiers for products and uploads: base62, so they are safe in keys and URLs. */
export const newId = customAlphabet(BASE62, 16);
