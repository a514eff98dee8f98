import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { closeServer } from "./close-server.ts";
import { pausable, type Restartable } from "./pausable-server.ts";

export interface DynamoStandIn {
  endpoint: string;
  /** DynamoDB API calls received so far, all or of one operation ("GetItem"): tests count reads with it. */
  requestCount(operation?: string): number;
  /** Calls the listener with each incoming operation's name, before it runs; returns the unsubscribe. */
  onRequest(listener: (operation: string) => void): () => void;
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
  const counts = new Map<string, number>();
  let total = 0;
  const listeners = new Set<(operation: string) => void>();
  server.prependListener("request", (request: IncomingMessage) => {
    // X-Amz-Target is "DynamoDB_20120810.GetItem"
    const operation = String(request.headers["x-amz-target"] ?? "").split(".")[1] ?? "unknown";
    total++;
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    for (const listener of listeners) listener(operation);
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
    requestCount: (operation) => (operation === undefined ? total : (counts.get(operation) ?? 0)),
    onRequest: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    restartable,
    stop: () => {
      // dynalite's own close() closes its database too, so a stopped stand-in is started first
      stopping ??= restartable.start().then(() => closeServer(server));
      return stopping;
    },
  };
}
