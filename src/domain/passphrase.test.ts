import { describe, expect, it } from "vitest";
import { hashPassphrase, verifyPassphrase } from "./passphrase.ts";

describe("passphrases", () => {
  it("keeps a salted scrypt hash that verifies the passphrase and nothing else", async () => {
    const stored = await hashPassphrase("correct horse");
    expect(stored).toMatch(/^scrypt\$15\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(stored).not.toContain("correct horse");
    expect(await hashPassphrase("correct horse")).not.toBe(stored);
    expect(await verifyPassphrase("correct horse", stored)).toBe(true);
    expect(await verifyPassphrase("correct hors", stored)).toBe(false);
    expect(await verifyPassphrase("Correct horse", stored)).toBe(false);
    expect(await verifyPassphrase("", stored)).toBe(false);
    expect(await verifyPassphrase("correct horse", "plain:correct horse")).toBe(false);
  });

  it("compares the Unicode forms as one (NFC)", async () => {
    const stored = await hashPassphrase("caf\u00e9 au lait");
    expect(await verifyPassphrase("cafe\u0301 au lait", stored)).toBe(true);
  });
});
