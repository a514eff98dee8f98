// Neither stand-in ships type declarations; these cover only what src/local uses.

declare module "dynalite" {
  import type { Server } from "node:http";

  interface DynaliteOptions {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** Added by patches/dynalite+4.0.0.patch: called after each write that changed an item. */
    onChange?: (change: import("./dynamo-stream.ts").DynaliteChange) => void;
  }

  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}

declare module "@20minutes/s3rver" {
  import type { Server } from "node:http";
  import type { AddressInfo } from "node:net";

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    /** Evergate patch: the region SigV4 requests must be signed for (any when unset). */
    region?: string;
    vhostBuckets?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }

  class S3rver {
    constructor(options: S3rverOptions);
    httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
  export = S3rver;
}
