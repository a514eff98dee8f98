import type { AppDeps } from "#src/app-deps.ts";
import type { Caller } from "#src/domain/scopes.ts";

export interface AppEnv {
  Variables: {
    requestId: string;
    deps: AppDeps;
    /** Set by the auth middleware when a valid bearer token came with the request. */
    caller: Caller | undefined;
  };
}
