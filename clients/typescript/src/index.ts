export {
  clientVersion,
  createEvergateClient,
  type EvergateClient,
  type EvergateClientOptions,
} from "./client.ts";
export {
  EvergateConnectionError,
  EvergateError,
  type Problem,
  type ProblemCode,
  retryAfterSeconds,
  unwrap,
} from "./errors.ts";
export type { components, operations, paths } from "./schema.js";
export { defaultRetry, type RetryOptions, type TransportOptions } from "./transport.ts";

import type { components } from "./schema.js";

/** Every schema of openapi.yaml by name: `Schemas["Link"]`, `Schemas["CreatedLink"]`, … */
export type Schemas = components["schemas"];
