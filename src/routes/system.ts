import { createRoute, z } from "@hono/zod-openapi";
import { linkPolicy, oauthEndpoints } from "#src/config.ts";
import { imageContentTypes } from "#src/domain/upload.ts";
import { requireCaller } from "#src/http/auth.ts";
import { createRouter } from "#src/http/router.ts";
import { anyCallerSecurity, jsonContent, problemResponses } from "#src/http/schemas.ts";
import { checkHealth } from "#src/services/health.ts";

const DependencyState = z.enum(["up", "down"]);
const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    dependencies: z.object({ dynamodb: DependencyState, s3: DependencyState, identity: DependencyState }),
  })
  .openapi("Health");

const LinkPolicySchema = z
  .object({
    maxExpiryDays: z
      .number()
      .int()
      .optional()
      .openapi({ description: "LINK_MAX_EXPIRY_DAYS: new links need an expiresAt within it." }),
    requireMaxDownloads: z.boolean().openapi({ description: "LINK_REQUIRE_MAX_DOWNLOADS" }),
    maxDownloadsCap: z.number().int().optional().openapi({ description: "LINK_MAX_DOWNLOADS_CAP" }),
    requirePassphraseWhenUnlimited: z.boolean().openapi({
      description: "LINK_REQUIRE_PASSPHRASE_WHEN_UNLIMITED: a link without maxDownloads needs a passphrase.",
    }),
    defaultGraceSeconds: z
      .number()
      .int()
      .openapi({ description: "LINK_GRACE_SECONDS: a link without graceSeconds gets this." }),
    maxActiveLinksPerProduct: z
      .number()
      .int()
      .openapi({ description: "MAX_ACTIVE_LINKS_PER_PRODUCT, per owner and product." }),
    linkUrlTtlSeconds: z
      .number()
      .int()
      .openapi({ description: "LINK_URL_TTL_SECONDS: a redirect's presigned URL." }),
    downloadUrlTtlSeconds: z.number().int().openapi({ description: "DOWNLOAD_URL_TTL_SECONDS" }),
  })
  .openapi("LinkPolicy", {
    description:
      "The deployment's rules for links (422 policy_violation names the one broken) and its limits on them.",
  });

const PublicConfigSchema = z
  .object({
    region: z.string(),
    clientId: z.string(),
    authorizeUrl: z.string().optional(),
    tokenUrl: z.string().optional(),
    logoutUrl: z.string().optional(),
    scopes: z.array(z.string()),
    maxImageBytes: z.number().int(),
    maxDeliverableBytes: z.number().int(),
    imageContentTypes: z.array(z.string()),
    linkPolicy: LinkPolicySchema,
  })
  .openapi("PublicConfig");

const MeSchema = z
  .object({ id: z.string(), username: z.string(), via: z.enum(["user", "apiKey"]) })
  .openapi("Me");

export const systemRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/api/health",
      operationId: "getHealth",
      security: [],
      tags: ["system"],
      summary: "Reachability of each dependency",
      description: "One probe's answer is shared by every caller for HEALTH_CACHE_SECONDS (default 5 s).",
      responses: {
        ...problemResponses(),
        200: jsonContent(HealthSchema, "Every dependency answered."),
        503: jsonContent(HealthSchema, "At least one dependency did not answer."),
      },
    }),
    async (c) => {
      const { ok, dependencies } = await checkHealth(c.get("deps"));
      if (ok) return c.json({ status: "ok" as const, dependencies }, 200);
      c.header("Retry-After", "5");
      return c.json({ status: "degraded" as const, dependencies }, 503);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/config",
      operationId: "getConfig",
      security: [],
      tags: ["system"],
      summary: "Public settings the webapp needs (nothing secret)",
      responses: { 200: jsonContent(PublicConfigSchema, "Public configuration."), ...problemResponses() },
    }),
    (c) => {
      const { config } = c.get("deps");
      return c.json(
        {
          region: config.AWS_REGION,
          clientId: config.COGNITO_CLIENT_ID,
          ...oauthEndpoints(config),
          scopes: ["openid", "email", "profile"],
          maxImageBytes: config.MAX_IMAGE_BYTES,
          maxDeliverableBytes: config.MAX_DELIVERABLE_BYTES,
          imageContentTypes: [...imageContentTypes],
          linkPolicy: {
            ...linkPolicy(config),
            defaultGraceSeconds: config.LINK_GRACE_SECONDS,
            maxActiveLinksPerProduct: config.MAX_ACTIVE_LINKS_PER_PRODUCT,
            linkUrlTtlSeconds: config.LINK_URL_TTL_SECONDS,
            downloadUrlTtlSeconds: config.DOWNLOAD_URL_TTL_SECONDS,
          },
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/me",
      operationId: "getMe",
      tags: ["system"],
      summary: "Who the caller is",
      security: anyCallerSecurity,
      responses: { 200: jsonContent(MeSchema, "The caller."), ...problemResponses(401) },
    }),
    (c) => {
      const caller = requireCaller(c);
      return c.json({ id: caller.userId, username: caller.username, via: caller.via }, 200);
    },
  );
