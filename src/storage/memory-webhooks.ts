import type { Webhook } from "#src/domain/webhook.ts";
import { byCreation, copyOf, pageOf } from "./memory-lists.ts";
import type { Delivery, WebhookStore } from "./ports.ts";

/**
 * WebhookStore in memory, for unit tests. It copies the DynamoDB store (src/storage/
 * dynamo-webhooks.ts): an owner's webhooks newest first; turning a webhook on again clears its
 * streak and the reason it was turned off; the streak turns it off at `disableAfter` once; a
 * delivery is created once; saving one rewrites its state, attempts and next attempt (an absent
 * next attempt is stored as "", as the DynamoDB store writes it); deliveries list newest first.
 */
export function memoryWebhookStore(): WebhookStore {
  const webhooks = new Map<string, Webhook>();
  const deliveries = new Map<string, Map<string, Delivery>>();

  const store: WebhookStore = {
    async put(webhook) {
      if (!webhooks.has(webhook.id)) webhooks.set(webhook.id, copyOf(webhook));
    },
    async get(id) {
      const webhook = webhooks.get(id);
      return webhook ? copyOf(webhook) : null;
    },
    listByOwner: async (ownerId, request) =>
      pageOf(
        `webhooks:${ownerId}`,
        [...webhooks.values()]
          .filter((webhook) => webhook.ownerId === ownerId)
          .map((webhook): [string, Webhook] => [byCreation(webhook), webhook]),
        request,
      ),
    async allOfOwner(ownerId) {
      return [...webhooks.values()]
        .filter((webhook) => webhook.ownerId === ownerId)
        .sort((a, b) => (byCreation(a) < byCreation(b) ? 1 : -1))
        .map(copyOf);
    },
    async update(id, changes) {
      const webhook = webhooks.get(id);
      if (!webhook) return null;
      if (changes.url !== undefined) webhook.url = changes.url;
      if (changes.eventTypes !== undefined) webhook.eventTypes = [...changes.eventTypes];
      if (changes.enabled !== undefined) webhook.enabled = changes.enabled;
      if (changes.enabled === true) {
        webhook.failureStreak = 0;
        delete webhook.disabledReason;
      }
      return copyOf(webhook);
    },
    async setSecrets(id, secrets) {
      const webhook = webhooks.get(id);
      if (!webhook) return null;
      webhook.secrets = copyOf(secrets);
      return copyOf(webhook);
    },
    async delete(id) {
      webhooks.delete(id);
    },
    async recordSuccess(id) {
      const webhook = webhooks.get(id);
      if (webhook) webhook.failureStreak = 0;
    },
    async recordFailure(id, disableAfter) {
      const webhook = webhooks.get(id);
      if (!webhook) return null;
      webhook.failureStreak += 1;
      if (webhook.enabled && webhook.failureStreak >= disableAfter) {
        webhook.enabled = false;
        webhook.disabledReason = `Turned off after ${webhook.failureStreak} failed attempts in a row.`;
      }
      return copyOf(webhook);
    },
    async createDelivery(delivery) {
      const ofWebhook = deliveries.get(delivery.webhookId) ?? new Map<string, Delivery>();
      deliveries.set(delivery.webhookId, ofWebhook);
      if (ofWebhook.has(delivery.id)) return false;
      ofWebhook.set(delivery.id, copyOf(delivery));
      return true;
    },
    async getDelivery(webhookId, deliveryId) {
      const delivery = deliveries.get(webhookId)?.get(deliveryId);
      return delivery ? copyOf(delivery) : null;
    },
    async saveDelivery(delivery) {
      const stored = deliveries.get(delivery.webhookId)?.get(delivery.id);
      if (!stored) return;
      stored.state = delivery.state;
      stored.attempts = copyOf(delivery.attempts);
      stored.nextAttemptAt = delivery.nextAttemptAt ?? "";
    },
    listDeliveries: async (webhookId, request) =>
      pageOf(
        `deliveries:${webhookId}`,
        [...(deliveries.get(webhookId)?.values() ?? [])].map((delivery): [string, Delivery] => [
          delivery.id,
          delivery,
        ]),
        request,
      ),
  };
  return store;
}
