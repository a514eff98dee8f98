import { bodyLimit } from "hono/body-limit";
import type { AppDeps } from "./app-deps.ts";
import { AppError } from "./domain/errors.ts";
import { documentRedirectRoutes } from "./gateway/docs.ts";
import { redirectRoutes } from "./gateway/route.ts";
import { resolveCaller } from "./http/auth.ts";
import { handleError, handleNotFound } from "./http/errors.ts";
import { idempotency } from "./http/idempotency.ts";
import { requestContext, requireJsonBody } from "./http/middleware.ts";
import { limitByAddress, limitByCaller } from "./http/rate-limit-middleware.ts";
import { createRouter } from "./http/router.ts";
import { adminRoutes } from "./routes/admin.ts";
import { apiKeyRoutes } from "./routes/api-keys.ts";
import { fileRoutes } from "./routes/files.ts";
import { linkBulkRoutes } from "./routes/link-bulk.ts";
import { linkEventRoutes } from "./routes/link-events.ts";
import { linkRoutes } from "./routes/links.ts";
import { orderRoutes } from "./routes/orders.ts";
import { problemRoutes } from "./routes/problems.ts";
import { productRoutes } from "./routes/products.ts";
import { systemRoutes } from "./routes/system.ts";
import { uploadRoutes } from "./routes/uploads.ts";
import { registerWebhookDocs, webhookRoutes } from "./routes/webhooks.ts";

/** The whole HTTP surface, wired to whatever deps it is given; no I/O happens at import. */
export function createApp(deps: AppDeps) {
  const app = createRouter();

  app.use("*", requestContext(deps));
  app.use(
    "/api/*",
    // Before anything costs: a flood of bad credentials is refused by address.
    limitByAddress("address"),
    bodyLimit({
      maxSize: deps.config.MAX_BODY_BYTES,
      onError: () => {
        throw new AppError("payload_too_large", `The body exceeds ${deps.config.MAX_BODY_BYTES} bytes.`);
      },
    }),
    requireJsonBody,
    resolveCaller,
    limitByCaller,
    idempotency,
  );

  app
    .route("/", systemRoutes)
    .route("/", problemRoutes)
    .route("/", linkBulkRoutes)
    .route("/", linkRoutes)
    .route("/", linkEventRoutes)
    .route("/", webhookRoutes)
    .route("/", apiKeyRoutes)
    .route("/", productRoutes)
    .route("/", orderRoutes)
    .route("/", uploadRoutes)
    .route("/", fileRoutes)
    .route("/", adminRoutes)
    .route("/", redirectRoutes);

  documentRedirectRoutes(app.openAPIRegistry);
  registerWebhookDocs(app.openAPIRegistry);
  app.notFound(handleNotFound);
  app.onError(handleError);

  app.openAPIRegistry.registerComponent("securitySchemes", "userToken", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A Cognito access token from the OAuth 2 code + PKCE login.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "evk_…",
    description: "An Evergate API key (evk_…) acting as its owner within its scopes.",
  });
  return app;
}

export type EvergateApp = ReturnType<typeof createApp>;
