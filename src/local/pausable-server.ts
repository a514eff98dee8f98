import { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A stand-in that can go away and come back on the same port with the same data (fault tests). */
export interface Restartable {
  /** Closes the port and drops every open connection; the data stays. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  readonly running: boolean;
}

/**
 * Makes a listening stand-in server restartable without touching its data: it closes only the
 * socket (Server.prototype.close, not a stand-in's own close(), which would close its database)
 * and holds back the server's 'close' listeners meanwhile (s3rver's would end its logger).
 */
export function pausable(server: Server): Restartable {
  const { port, address } = server.address() as AddressInfo;
  let running = true;
  return {
    get running() {
      return running;
    },
    async stop() {
      if (!running) return;
      running = false;
      const closeListeners = server.listeners("close") as Array<() => void>;
      server.removeAllListeners("close");
      try {
        await new Promise<void>((resolve, reject) => {
          Server.prototype.close.call(server, (error?: Error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        });
      } finally {
        for (const listener of closeListeners) server.on("close", listener);
      }
    },
    async start() {
      if (running) return;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, address, () => {
          server.off("error", reject);
          resolve();
        });
      });
      running = true;
    },
  };
}
