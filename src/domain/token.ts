import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { customAlphabet } from "nanoid";

/**
 * Link tokens and API keys share one scheme: a fixed prefix per kind (so secret scanners can spot
 * leaks), 22 random base62 characters (≈131 bits from nanoid's CSPRNG) and a 6-character CRC-32
 * checksum, so a mistyped or made-up token is refused before any database read.
 */
export const tokenPrefixes = { link: "evg_", apiKey: "evk_" } as const;
export type TokenKind = keyof typeof tokenPrefixes;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SECRET_LENGTH = 22;
const CHECKSUM_LENGTH = 6;
const TOKEN_BODY = new RegExp(`^[0-9A-Za-z]{${SECRET_LENGTH + CHECKSUM_LENGTH}}$`);
const randomSecret = customAlphabet(BASE62, SECRET_LENGTH);

export const TOKEN_LENGTH = 4 + SECRET_LENGTH + CHECKSUM_LENGTH;

function checksum(prefixAndSecret: string): string {
  let value = crc32(prefixAndSecret);
  let encoded = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    encoded = BASE62[value % 62] + encoded;
    value = Math.floor(value / 62);
  }
  return encoded;
}

/** SHA-256 of the whole token, base64url: the only form a token is ever stored in. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

export interface MintedToken {
  token: string;
  hash: string;
  hint: string;
}

export function mintToken(kind: TokenKind): MintedToken {
  const head = tokenPrefixes[kind] + randomSecret();
  const token = head + checksum(head);
  return { token, hash: hashToken(token), hint: token.slice(-4) };
}

/** True when the candidate has the kind's prefix, the right length and alphabet, and a valid checksum. */
export function isWellFormedToken(kind: TokenKind, candidate: string): boolean {
  const prefix = tokenPrefixes[kind];
  if (candidate.length !== TOKEN_LENGTH || !candidate.startsWith(prefix)) return false;
  if (!TOKEN_BODY.test(candidate.slice(prefix.length))) return false;
  const head = candidate.slice(0, TOKEN_LENGTH - CHECKSUM_LENGTH);
  return checksum(head) === candidate.slice(TOKEN_LENGTH - CHECKSUM_LENGTH);
}

/** Random identifiers for products and uploads: base62, so they are safe in keys and URLs. */
export const newId = customAlphabet(BASE62, 16);
