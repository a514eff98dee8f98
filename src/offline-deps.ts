import { awsDeps } from "./aws-deps.ts";
import { loadConfig } from "./config.ts";
import { newTokenKeyEntry } from "./domain/token.ts";

/**
 * Deps pointing at nothing, for work that needs the app's shape but no I/O (generating the
 * OpenAPI document). Building clients performs no network calls.
 */
export function offlineDeps() {
  return awsDeps(
    loadConfig({
      COGNITO_ISSUER: "http://127.0.0.1:9/offline",
      COGNITO_CLIENT_ID: "offline",
      LOG_LEVEL: "silent",
      TOKEN_KEYS: newTokenKeyEntry(),
    }),
    { credentials: { accessKeyId: "offline", secretAccessKey: "offline" } },
  );
}
