import { memoryApiKeyStore } from "./memory-api-keys.ts";
import { memoryEventStore } from "./memory-events.ts";
import { memoryFileStore } from "./memory-files.ts";
import { memoryIdempotencyStore } from "./memory-idempotency.ts";
import { memoryLegacyTokenListStore } from "./memory-legacy-tokens.ts";
import { memoryLinkJobStore } from "./memory-link-jobs.ts";
import { memoryLinkStore } from "./memory-links.ts";
import { memoryOrderStore } from "./memory-orders.ts";
import { memoryProductStore } from "./memory-products.ts";
import { memoryUploadStore } from "./memory-uploads.ts";
import { memoryWebhookStore } from "./memory-webhooks.ts";
import type { Stores } from "./ports.ts";

/**
 * Every store in memory, empty: the double of dynamoStores() for unit tests of the services. The
 * store contract (test/contract/stores/) holds both to the same behaviour.
 */
export function memoryStores(): Stores {
  const links = memoryLinkStore();
  const apiKeys = memoryApiKeyStore();
  // Every link and API key id put, for the legacy token list's rebuild (the DynamoDB one scans)
  const issued = new Set<string>();
  return {
    links: {
      ...links,
      put: async (link, maxActive, options) => {
        const put = await links.put(link, maxActive, options);
        issued.add(link.id);
        return put;
      },
    },
    products: memoryProductStore(),
    orders: memoryOrderStore(),
    apiKeys: { ...apiKeys, put: (key) => apiKeys.put(key).then(() => void issued.add(key.id)) },
    uploads: memoryUploadStore(),
    files: memoryFileStore(),
    linkJobs: memoryLinkJobStore(),
    legacyTokens: memoryLegacyTokenListStore(async () => [...issued]),
    events: memoryEventStore(),
    webhooks: memoryWebhookStore(),
    idempotency: memoryIdempotencyStore(),
    ping: async () => {},
  };
}
