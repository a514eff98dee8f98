import { stringify } from "yaml";
import type { EvergateApp } from "./app.ts";

/** The contract, generated from the routes' zod schemas: what openapi.yaml must always equal. */
export function openApiDocument(app: EvergateApp) {
  return app.getOpenAPI31Document({
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
      {
        name: "webhooks",
        description: "Signed event deliveries (Standard Webhooks), retried for more than 24 hours.",
      },
    ],
  });
}

export function openApiYaml(app: EvergateApp): string {
  return `# Generated from the route definitions by \`npm run openapi\`. Do not edit by hand.\n${stringify(openApiDocument(app), { aliasDuplicateObjects: false })}`;
}
