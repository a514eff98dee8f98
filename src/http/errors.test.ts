import { describe, expect, it } from "vitest";
import { StorageRefusedError, storageCauses } from "#src/domain/storage-causes.ts";
import type { Logger } from "#src/logger.ts";
import { errorAnswer } from "./errors.ts";

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, message, fields });
  const logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  } as unknown as Logger;
  return { logger, lines };
}

describe("errorAnswer: an S3 refusal whose cause Evergate names", () => {
  it.each(Object.keys(storageCauses) as Array<keyof typeof storageCauses>)(
    "%s: a 500 storage_refused whose detail names it and links its section; a log line with the same cause",
    (cause) => {
      const { logger, lines } = recordingLogger();
      const s3Error = Object.assign(new Error("S3 said no"), { name: "SomeCode" });
      const answer = errorAnswer(
        new StorageRefusedError(cause, "SomeCode", { cause: s3Error }),
        "req-1",
        logger,
      );
      expect(answer.status).toBe(500);
      expect(answer.headers["content-type"]).toBe("application/problem+json");
      const problem = JSON.parse(answer.body ?? "");
      expect(problem).toMatchObject({ code: "storage_refused", status: 500, requestId: "req-1" });
      expect(problem.detail).toContain(storageCauses[cause].says);
      expect(problem.detail).toContain(storageCauses[cause].doc);
      expect(lines).toEqual([
        {
          level: "error",
          message: "storage refused",
          fields: expect.objectContaining({
            requestId: "req-1",
            cause,
            s3Code: "SomeCode",
            error: "SomeCode",
          }),
        },
      ]);
    },
  );
});
