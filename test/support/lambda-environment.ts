import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { FunctionUrlResult } from "../lambda/function-url-event.ts";
import { serveFunctionUrl } from "../lambda/function-url-server.ts";
import type { TestEvergate } from "./harness.ts";
import { strictS3FromEnv } from "./strict-s3.ts";

/**
 * Gives this process the environment Lambda would give the built bundle, pointed at a test
 * stack (or Ceph RGW with STRICT_S3_*): one list, so every test that loads the bundle agrees on
 * what the function needs. Answers a function that puts the old environment back.
 */
export function useLambdaEnvironment(evergate: TestEvergate): () => void {
  const saved = { ...process.env };
  const { config } = evergate;
  const credentials = strictS3FromEnv()?.credentials ?? evergate.stack.credentials;
  Object.assign(process.env, {
    AWS_REGION: config.AWS_REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    TABLE_NAME: config.TABLE_NAME,
    FILES_BUCKET: config.FILES_BUCKET,
    DYNAMODB_ENDPOINT: config.DYNAMODB_ENDPOINT,
    S3_ENDPOINT: config.S3_ENDPOINT,
    S3_FORCE_PATH_STYLE: String(config.S3_FORCE_PATH_STYLE),
    COGNITO_ISSUER: config.COGNITO_ISSUER,
    COGNITO_JWKS_URI: config.COGNITO_JWKS_URI,
    COGNITO_CLIENT_ID: config.COGNITO_CLIENT_ID,
    COGNITO_ENDPOINT: config.COGNITO_ENDPOINT,
    CLIENT_KEY_SECRET: "lambda-environment-test-secret-of-32-chars-or-more",
    TOKEN_KEYS: evergate.tokenKeys,
    RATE_LIMITS_ENABLED: String(config.RATE_LIMITS_ENABLED),
    // The same hot-link setting as the app over HTTP (the harness's), so both answer alike.
    HOT_LINK_CACHE_MS: String(config.HOT_LINK_CACHE_MS),
    LOG_LEVEL: "silent",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  return () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  };
}

/**
 * The bundle built in `bundleDir` (scripts/build.ts), loaded in this process with Lambda's
 * environment for `evergate` and served behind a local function URL. `close` stops it and puts
 * the environment back.
 */
export async function serveBuiltLambda(
  evergate: TestEvergate,
  bundleDir: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const restore = useLambdaEnvironment(evergate);
  try {
    const { handler } = (await import(
      /* @vite-ignore */ pathToFileURL(join(bundleDir, "index.mjs")).href
    )) as {
      handler: (event: unknown, context: unknown) => Promise<FunctionUrlResult>;
    };
    const site = await serveFunctionUrl(handler);
    return {
      url: site.url,
      close: async () => {
        restore();
        await site.close();
      },
    };
  } catch (error) {
    restore();
    throw error;
  }
}
