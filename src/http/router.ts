import { OpenAPIHono } from "@hono/zod-openapi";
import { AppError } from "#src/domain/errors.ts";
import type { AppEnv } from "./context.ts";

/** Every sub-app validates the same way: zod issues become one 400 problem listing them. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const errors = result.error.issues.map((issue) => ({
          path: issue.path.join("."),
          message: issue.message,
        }));
        const first = errors[0];
        throw new AppError(
          "invalid_request",
          first
            ? `Invalid ${result.target}: ${first.path || "(root)"}: ${first.message}`
            : "Invalid request.",
          { errors },
        );
      }
    },
  });
}
