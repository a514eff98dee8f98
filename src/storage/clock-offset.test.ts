import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import type { Logger } from "#src/logger.ts";
import { logClockOffset } from "./clock-offset.ts";

/** An HTTP layer answering an empty item with the given server time in `Date`. */
function answeringAt(serverTime: () => Date) {
  return {
    async handle() {
      return {
        response: {
          statusCode: 200,
          headers: { "content-type": "application/x-amz-json-1.0", date: serverTime().toUTCString() },
          body: new TextEncoder().encode("{}"),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

/** A logger that keeps its warnings, and what it kept. */
function warnings() {
  const lines: Array<[string, Record<string, unknown> | undefined]> = [];
  const logger = {
    warn: (message: string, fields?: Record<string, unknown>) => lines.push([message, fields]),
  } as unknown as Logger;
  return { lines, logger };
}

describe("logClockOffset", () => {
  it("the SDK's skew correction follows the server's Date, and a change of a minute or more is logged once", async () => {
    // Prepare: the server's clock 10 minutes ahead of ours, later 2 s more (jitter: not logged)
    let ahead = 10 * 60_000;
    const { lines, logger } = warnings();
    const client = new DynamoDBClient({
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" },
      requestHandler: answeringAt(() => new Date(Date.now() + ahead)) as never,
    });
    logClockOffset(client, logger, "dynamodb");
    const get = () =>
      client.send(new GetItemCommand({ TableName: "t", Key: { pk: { S: "a" }, sk: { S: "b" } } }));
    // Act
    await get();
    ahead += 2_000;
    await get();
    // Assess
    expect(Math.abs((client.config.systemClockOffset ?? 0) - ahead)).toBeLessThan(3_000);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.[0]).toBe("clock offset changed");
    expect(lines[0]?.[1]).toMatchObject({ cause: "clock_skew", service: "dynamodb" });
    expect(Math.abs((lines[0]?.[1]?.offsetMs as number) - 10 * 60_000)).toBeLessThan(2_000);
    // The clock put right: the offset goes back to about 0, and that is logged too
    ahead = 0;
    await get();
    expect(lines).toHaveLength(2);
  });

  it("the S3 client's correction is logged the same way, named s3 (the app's HEAD, copy and delete)", async () => {
    const { lines, logger } = warnings();
    const client = new S3Client({
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" },
      requestHandler: answeringAt(() => new Date(Date.now() - 20 * 60_000)) as never,
    });
    logClockOffset(client, logger, "s3");
    await client.send(new HeadObjectCommand({ Bucket: "evergate-files", Key: "files/a" }));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.[1]).toMatchObject({ cause: "clock_skew", service: "s3" });
    expect(Math.abs((lines[0]?.[1]?.offsetMs as number) + 20 * 60_000)).toBeLessThan(2_000);
  });
});
