import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { closeServer } from "./close-server.ts";
import { pausable, type Restartable } from "./pausable-server.ts";

export interface DynamoStandIn {
  endpoint: string;
  /** HTTP requests (DynamoDB API calls) the stand-in has received so far: tests count reads with it. */
  requestCount(): number;
  /** Stop and start it again on the same port, keeping its data (fault tests). */
  restartable: Restartable;
  stop(): Promise<void>;
}

/**
 * Starts dynalite, an in-process DynamoDB, on 127.0.0.1 and a free port.
 * Without `path` the data lives in memory; with it, in a LevelDB directory that survives restarts.
 */
export async function startDynamoStandIn(options: { path?: string } = {}): Promise<DynamoStandIn> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  let requests = 0;
  server.on("request", () => {
    requests++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((error: Error) => {
    throw new Error(`DynamoDB stand-in (dynalite) failed to listen: ${error.message}`, { cause: error });
  });
  const { port } = server.address() as AddressInfo;
  const restartable = pausable(server);
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requestCount: () => requests,
    restartable,
    stop: () => {
      // dynalite's own close() closes its database too, so a stopped stand-in is started first
      stopping ??= restartable.start().then(() => closeServer(server));
      return stopping;
    },
  };
}
