import type { MiddlewareStack } from "@smithy/types";
import type { Logger } from "#src/logger.ts";

/** What this needs of an SDK v3 client (DynamoDB's, S3's): its middleware and corrected clock. */
interface SdkClient {
  // biome-ignore lint/suspicious/noExplicitAny: any client's stack, whatever its commands' types
  middlewareStack: MiddlewareStack<any, any>;
  config: { systemClockOffset?: number };
}

/** How far the SDK's clock correction must move before it is logged again (its samples jitter by ~1 s). */
export const CLOCK_OFFSET_LOG_STEP_MS = 60_000;

/**
 * The SDK corrects its signing clock from the `Date` of AWS's answers (`systemClockOffset`, on by
 * default: Evergate never turns it off) and retries a request refused for skew. This logs the
 * offset when it has moved by a minute or more since it was last logged, with the stable cause
 * docs/troubleshooting.md names: a server whose clock is off shows up before S3 or DynamoDB
 * start refusing (RequestTimeTooSkewed, InvalidSignatureException "Signature expired").
 */
export function logClockOffset(client: SdkClient, logger: Logger, service: "dynamodb" | "s3"): void {
  let logged = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } finally {
        const offset = client.config.systemClockOffset ?? 0;
        if (Math.abs(offset - logged) >= CLOCK_OFFSET_LOG_STEP_MS) {
          logged = offset;
          logger.warn("clock offset changed", {
            cause: "clock_skew",
            service,
            offsetMs: offset,
            doc: "docs/troubleshooting.md#requesttimetooskewed-403",
          });
        }
      }
    },
    { step: "initialize", priority: "low", name: "evergateClockOffset" },
  );
}
