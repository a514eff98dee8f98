import { memoryApiKeyStore } from "./memory-api-keys.ts";
import { memoryLinkJobStore } from "./memory-link-jobs.ts";
import { memoryLinkStore } from "./memory-links.ts";
import { memoryOrderStore } from "./memory-orders.ts";
import { memoryProductStore } from "./memory-products.ts";
import { memoryUploadStore } from "./memory-uploads.ts";
import type { Stores } from "./ports.ts";

/**
 * Every store in memory, empty: the double of dynamoStores() for unit tests of the services. The
 * store contract (test/contract/stores/) holds both to the same behaviour.
 */
export function memoryStores(): Stores {
  return {
    links: memoryLinkStore(),
    products: memoryProductStore(),
    orders: memoryOrderStore(),
    apiKeys: memoryApiKeyStore(),
    uploads: memoryUploadStore(),
    linkJobs: memoryLinkJobStore(),
    ping: async () => {},
  };
}
