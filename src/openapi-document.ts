import { stringify } from "yaml";
import type { EvergateApp } from "./app.ts";

/** The contract, generated from the routes' zod schemas: what openapi.yaml must always equal. */
export function openApiDocument(app: EvergateApp) {
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Evergate API",
      version: "1.0.0",
      description:
        "Permanent, revocable links to private files, and the digital-products shop around them. " +
        "Errors are application/problem+json (RFC 9457) with a stable `code` and the `requestId`.",
    },
    servers: [{ url: "http://localhost:3000", description: "npm start" }],
    tags: [
      { name: "system", description: "Health, configuration and identity." },
      { name: "links", description: "Permanent links: create, list, change, revoke, rotate." },
      { name: "gateway", description: "The redirect every permanent link goes through." },
      { name: "api keys", description: "Keys for other services, acting as their owner within scopes." },
      { name: "products", description: "The shop's products and their files." },
      { name: "orders", description: "Buying, refunds, orders and sales." },
      { name: "uploads", description: "Presigned PUTs straight to S3." },
      { name: "admin", description: "For members of the Cognito group admin only (not API keys)." },
      {
        name: "webhooks",
        description: "Signed event deliveries (Standard Webhooks), retried for more than 24 hours.",
      },
    ],
  });
  documentIdempotency(document);
  return document;
}

type Document = ReturnType<EvergateApp["getOpenAPI31Document"]>;
type Operation = { parameters?: unknown[]; responses?: Record<string, Record<string, unknown>> };

/**
 * src/http/idempotency.ts applies to every POST under /api/, so the contract says so on each of
 * them from here, one place, rather than on each route.
 */
function documentIdempotency(document: Document) {
  document.components ??= {};
  document.components.parameters = {
    ...document.components.parameters,
    IdempotencyKey: {
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description:
        "Makes the POST safe to retry (IETF httpapi Idempotency-Key draft): the same key with the same " +
        "request, from the same caller (a login or an API key) within 24 hours, has one effect and gets " +
        "the first answer again with `Idempotent-Replayed: true`; the same key with another path or body " +
        "is a 422 `idempotency_key_reused`; a retry while the first still runs waits for its answer, " +
        "then is a 409 `idempotency_in_progress` (Retry-After). Server errors (5xx) are not kept. " +
        '1 to 255 printable ASCII characters, bare or as a structured-field string (`"…"`).',
      schema: {
        type: "string",
        minLength: 1,
        maxLength: 257,
        example: "5f0c2a7e-8d7b-4f6e-9a51-0a4c2e7d9b13",
      },
    },
  };
  const problem = (description: string) => ({
    description,
    content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
  });
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const post = (item as { post?: Operation }).post;
    if (!path.startsWith("/api/") || !post) continue;
    post.parameters = [...(post.parameters ?? []), { $ref: "#/components/parameters/IdempotencyKey" }];
    post.responses ??= {};
    const responses = post.responses;
    for (const [status, response] of Object.entries(responses)) {
      if (!status.startsWith("2")) continue;
      response.headers = {
        ...(response.headers as object | undefined),
        "Idempotent-Replayed": {
          description:
            "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.",
          schema: { type: "string", enum: ["true"] },
        },
      };
    }
    responses["409"] ??= problem("A request with the same Idempotency-Key is still in progress.");
    responses["422"] ??= problem("The Idempotency-Key was used for a different request.");
  }
}

export function openApiYaml(app: EvergateApp): string {
  return `# Generated from the route definitions by \`npm run openapi\`. Do not edit by hand.\n${stringify(openApiDocument(app), { aliasDuplicateObjects: false })}`;
}
