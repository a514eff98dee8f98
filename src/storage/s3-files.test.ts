import { describe, expect, it } from "vitest";
import type { Logger } from "#src/logger.ts";
import { s3FileStorage } from "./s3-files.ts";

describe("s3FileStorage.presignGet with temporary credentials", () => {
  it("cuts a URL to the credentials' life and logs it once per credentials, with its cause", async () => {
    // Prepare: credentials that expire 100 s from now, then fresh ones that expire in 50 s
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger = {
      warn: (message: string, fields?: Record<string, unknown>) => lines.push([message, fields]),
    };
    const signedAt = new Date("2026-11-28T00:00:00Z");
    let expiration = new Date(signedAt.getTime() + 100_000);
    const files = s3FileStorage({
      bucket: "evergate-files",
      region: "eu-west-1",
      forcePathStyle: false,
      responseChecksumValidation: "WHEN_REQUIRED",
      credentials: async () => ({
        accessKeyId: "ASIAEXAMPLE",
        secretAccessKey: "secret",
        sessionToken: "session",
        expiration,
      }),
      logger: logger as unknown as Logger,
    });
    const expiresOf = async (seconds: number) =>
      new URL(
        await files.presignGet("files/a", {
          expiresInSeconds: seconds,
          signedAt,
          downloadFilename: "a.txt",
          cacheControl: "no-store",
        }),
      ).searchParams.get("X-Amz-Expires");
    // Act / Assess
    expect(await expiresOf(300)).toBe("100");
    expect(await expiresOf(300)).toBe("100");
    expect(await expiresOf(60)).toBe("60"); // within the credentials' life: untouched, not logged
    expiration = new Date(signedAt.getTime() + 50_000);
    expect(await expiresOf(300)).toBe("50");
    expect(lines).toEqual([
      [
        "presigned URL shortened",
        expect.objectContaining({
          cause: "credentials_expire_before_url",
          requestedSeconds: 300,
          grantedSeconds: 100,
          credentialsExpireAt: "2026-11-28T00:01:40.000Z",
        }),
      ],
      ["presigned URL shortened", expect.objectContaining({ grantedSeconds: 50 })],
    ]);
  });
});
