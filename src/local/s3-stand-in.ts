import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import S3rver from "@20minutes/s3rver";
import { closeServer } from "./close-server.ts";
import { pausable, type Restartable } from "./pausable-server.ts";

/** The region the stand-in's buckets are in, as a real bucket is in one (ADR 001). */
export const S3_STAND_IN_REGION = "us-east-1";

/** The only key pair s3rver knows (its built-in dummy account); any other key id gets InvalidAccessKeyId. */
export const s3StandInCredentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface S3StandIn {
  endpoint: string;
  /** Stop and start it again on the same port, keeping its files (fault tests). */
  restartable: Restartable;
  stop(): Promise<void>;
}

export interface S3StandInBucket {
  name: string;
  allowedOrigins: string[];
}

/**
 * Starts s3rver, an in-process S3 that stores objects as files under `directory`, on 127.0.0.1
 * and a free port. Clients must use path-style addressing (`forcePathStyle: true`).
 * Buckets given here are created with the browser CORS rule before the port opens.
 */
export async function startS3StandIn(options: {
  directory: string;
  buckets?: S3StandInBucket[];
  /** The buckets' region: a request signed for another gets S3's 400 naming this one. */
  region?: string;
}): Promise<S3StandIn> {
  assertPatched();
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    region: options.region ?? S3_STAND_IN_REGION,
    directory: options.directory,
    configureBuckets: (options.buckets ?? []).map((bucket) => ({
      name: bucket.name,
      // S3 rejects a CORS rule without origins; no origins means no browser access at all
      configs: bucket.allowedOrigins.length > 0 ? [corsConfigurationXml(bucket.allowedOrigins)] : [],
    })),
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    throw new Error(`S3 stand-in (s3rver) failed to start: ${(error as Error).message}`, { cause: error });
  }
  const httpServer = server.httpServer;
  if (!httpServer) throw new Error("S3 stand-in (s3rver) started without an HTTP server");
  const restartable = pausable(httpServer);
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    restartable,
    stop: () => {
      stopping ??= restartable.start().then(() => closeServer(httpServer));
      return stopping;
    },
  };
}

/** The CORS rule the webapp needs: presigned GET/PUT/HEAD from its own origins, ETag readable. */
export const browserCorsRule = (allowedOrigins: string[]) => ({
  AllowedOrigins: allowedOrigins,
  AllowedMethods: ["GET", "PUT", "HEAD"],
  AllowedHeaders: ["*"],
  ExposeHeaders: ["ETag"],
  MaxAgeSeconds: 600,
});

function corsConfigurationXml(allowedOrigins: string[]): string {
  const rule = browserCorsRule(allowedOrigins);
  const elements = (name: string, values: readonly string[]) =>
    values.map((value) => `<${name}>${escapeXml(value)}</${name}>`).join("");
  return [
    "<CORSConfiguration><CORSRule>",
    elements("AllowedOrigin", rule.AllowedOrigins),
    elements("AllowedMethod", rule.AllowedMethods),
    elements("AllowedHeader", rule.AllowedHeaders),
    elements("ExposeHeader", rule.ExposeHeaders),
    `<MaxAgeSeconds>${rule.MaxAgeSeconds}</MaxAgeSeconds>`,
    "</CORSRule></CORSConfiguration>",
  ].join("");
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Unpatched, s3rver refuses SDK bucket calls and some presigned URLs with SignatureDoesNotMatch
 * and lets unsigned requests through; `npm install <pkg>` silently undoes patch-package.
 */
function assertPatched(): void {
  const require = createRequire(import.meta.url);
  const authentication = require.resolve("@20minutes/s3rver/lib/middleware/authentication.js");
  if (
    !readFileSync(authentication, "utf8").includes(
      "Evergate patch: a SigV4 request signed for another region",
    )
  ) {
    throw new Error(
      "S3 stand-in: @20minutes/s3rver is not patched (patches/@20minutes+s3rver+*.patch). Run `npx patch-package`.",
    );
  }
}
