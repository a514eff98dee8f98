import type { FileStorage } from "#src/storage/ports.ts";
import { elapsedMs, type Metrics } from "./metrics.ts";

/** The file storage with each presigned GET timed (`PresignLatency`): the redirect's signing step. */
export function timedPresign(metrics: Metrics, files: FileStorage): FileStorage {
  return {
    ...files,
    async presignGet(key, options) {
      const startedAt = performance.now();
      try {
        return await files.presignGet(key, options);
      } finally {
        metrics.add("PresignLatency", elapsedMs(startedAt));
      }
    },
  };
}
