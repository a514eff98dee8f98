import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/**
 * A link's passphrase, kept only as a scrypt hash: `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`
 * (base64url). N = 2^15, r = 8, p = 1 takes 32 MiB and ~120 ms of one core per verify, measured
 * (docs/decisions/025-link-policies.md). It runs on libuv's thread pool, not the event loop. The
 * parameters travel with the hash, so they can be raised later without breaking links made before.
 */
const LOG2_N = 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

export const PASSPHRASE_MIN_CHARS = 6;
export const PASSPHRASE_MAX_CHARS = 200;

function derive(passphrase: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  return new Promise((resolve, reject) =>
    // maxmem above 128·N·r: Node's default (32 MiB) is exactly what N = 2^15, r = 8 needs, and refuses it.
    scrypt(passphrase.normalize("NFC"), salt, KEY_BYTES, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassphrase(passphrase: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(passphrase, salt, LOG2_N, BLOCK_SIZE, PARALLELISM);
  return [
    "scrypt",
    LOG2_N,
    BLOCK_SIZE,
    PARALLELISM,
    salt.toString("base64url"),
    key.toString("base64url"),
  ].join("$");
}

const STORED = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** Compares in constant time; false for a malformed stored value or a passphrase out of bounds. */
export async function verifyPassphrase(passphrase: string, stored: string): Promise<boolean> {
  const match = STORED.exec(stored);
  if (!match || passphrase.length === 0 || passphrase.length > PASSPHRASE_MAX_CHARS) return false;
  const [, log2N, r, p, salt, hash] = match;
  const expected = Buffer.from(hash as string, "base64url");
  const key = await derive(
    passphrase,
    Buffer.from(salt as string, "base64url"),
    Number(log2N),
    Number(r),
    Number(p),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}
