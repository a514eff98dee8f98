import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Stores } from "#src/storage/ports.ts";
import { apiKeyStoreContract } from "./api-key-store.contract.ts";
import { eventStoreContract } from "./event-store.contract.ts";
import { fileStoreContract } from "./file-store.contract.ts";
import { idempotencyStoreContract } from "./idempotency-store.contract.ts";
import { legacyTokenListContract } from "./legacy-token-list.contract.ts";
import { linkStoreContract } from "./link-store.contract.ts";
import { linkStoreConventionsContract } from "./link-store-conventions.contract.ts";
import { linkStoreFlushContract } from "./link-store-flush.contract.ts";
import { linkStoreListsContract } from "./link-store-lists.contract.ts";
import { orderStoreContract } from "./order-store.contract.ts";
import { productStoreContract } from "./product-store.contract.ts";
import { dynamoSubject, memorySubject } from "./subjects.ts";
import { uploadStoreContract } from "./upload-store.contract.ts";
import { webhookStoreContract } from "./webhook-store.contract.ts";

/**
 * One contract, every implementation: the memory stores (for unit tests of the services) and the
 * DynamoDB stores on the embedded dynalite must answer each case the same. A new store method
 * gets its cases in its store's *.contract.ts and so runs on both.
 */
describe.each([memorySubject, dynamoSubject()])("$name", (subject) => {
  let stores: Stores;
  beforeAll(() => subject.start());
  afterAll(() => subject.stop());
  beforeEach(async () => {
    stores = await subject.fresh();
  });
  const current = () => stores;

  it("ping answers while the store is up", async () => {
    await expect(stores.ping()).resolves.toBeUndefined();
  });

  describe("LinkStore", () => linkStoreContract(current));
  describe("LinkStore lists", () => linkStoreListsContract(current));
  describe("LinkStore hot-link flushes", () => linkStoreFlushContract(current));
  describe("LinkStore conventions", () => linkStoreConventionsContract(current));
  describe("ProductStore", () => productStoreContract(current));
  describe("OrderStore", () => orderStoreContract(current));
  describe("ApiKeyStore", () => apiKeyStoreContract(current));
  describe("UploadStore", () => uploadStoreContract(current));
  describe("FileStore", () => fileStoreContract(current));
  describe("LegacyTokenListStore", () => legacyTokenListContract(current));
  describe("EventStore", () => eventStoreContract(current));
  describe("WebhookStore", () => webhookStoreContract(current));
  describe("IdempotencyStore", () => idempotencyStoreContract(current));
});
