import type { Webhook } from "#src/domain/webhook.ts";
import { type DynamoTable, type Item, recordOf } from "./dynamo-table.ts";
import type { Delivery, WebhookStore } from "./ports.ts";

const SK = "WEBHOOK";
const pkOf = (id: string) => `WEBHOOK#${id}`;
const deliverySk = (id: string) => `DELIVERY#${id}`;
const toWebhook = (item: Item) => recordOf<Webhook>(item);
const toDelivery = (item: Item) => recordOf<Delivery>(item);

export function dynamoWebhookStore(table: DynamoTable): WebhookStore {
  const store: WebhookStore = {
    async put(webhook) {
      await table.put(
        {
          pk: pkOf(webhook.id),
          sk: SK,
          gsi1pk: `OWNER_WEBHOOKS#${webhook.ownerId}`,
          gsi1sk: `${webhook.createdAt}#${webhook.id}`,
          ...webhook,
        },
        { expression: "attribute_not_exists(pk)" },
      );
    },
    async get(id) {
      const item = await table.get(pkOf(id), SK);
      return item ? toWebhook(item) : null;
    },
    async listByOwner(ownerId, request) {
      const page = await table.query("gsi1", `OWNER_WEBHOOKS#${ownerId}`, request);
      return { items: page.items.map(toWebhook), nextCursor: page.nextCursor };
    },
    async allOfOwner(ownerId) {
      const all: Webhook[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listByOwner(ownerId, { limit: 100, cursor });
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    },
    async update(id, changes) {
      const sets: string[] = [];
      const values: Item = {};
      const names: Record<string, string> = {};
      for (const field of ["url", "eventTypes", "enabled"] as const) {
        if (changes[field] === undefined) continue;
        names[`#${field}`] = field;
        sets.push(`#${field} = :${field}`);
        values[`:${field}`] = changes[field];
      }
      // Turned on again by its owner: the streak and Evergate's reason go
      if (changes.enabled === true) {
        sets.push("failureStreak = :zero");
        values[":zero"] = 0;
      }
      if (sets.length === 0) return store.get(id);
      const item = await table.update(pkOf(id), SK, {
        expression: `SET ${sets.join(", ")}${changes.enabled === true ? " REMOVE disabledReason" : ""}`,
        condition: "attribute_exists(pk)",
        values,
        names,
      });
      return item ? toWebhook(item) : null;
    },
    async setSecrets(id, secrets) {
      const item = await table.update(pkOf(id), SK, {
        expression: "SET secrets = :secrets",
        condition: "attribute_exists(pk)",
        values: { ":secrets": secrets },
      });
      return item ? toWebhook(item) : null;
    },
    async delete(id) {
      await table.delete(pkOf(id), SK);
    },
    async recordSuccess(id) {
      await table.update(pkOf(id), SK, {
        expression: "SET failureStreak = :zero",
        condition: "attribute_exists(pk) AND failureStreak <> :zero",
        values: { ":zero": 0 },
      });
    },
    async recordFailure(id, disableAfter) {
      const item = await table.update(pkOf(id), SK, {
        expression: "ADD failureStreak :one",
        condition: "attribute_exists(pk)",
        values: { ":one": 1 },
      });
      if (!item) return null;
      const webhook = toWebhook(item);
      if (!webhook.enabled || webhook.failureStreak < disableAfter) return webhook;
      const disabled = await table.update(pkOf(id), SK, {
        expression: "SET enabled = :off, disabledReason = :why",
        condition: "attribute_exists(pk) AND enabled = :on",
        values: {
          ":off": false,
          ":on": true,
          ":why": `Turned off after ${webhook.failureStreak} failed attempts in a row.`,
        },
      });
      // Refused: another failure (or the owner) turned it off in between; answer it as it is now
      return disabled ? toWebhook(disabled) : store.get(id);
    },
    async createDelivery(delivery, expiresAt) {
      return table.put(
        {
          pk: pkOf(delivery.webhookId),
          sk: deliverySk(delivery.id),
          expiresAtEpoch: Math.floor(expiresAt.getTime() / 1000),
          ...delivery,
        },
        { expression: "attribute_not_exists(pk)" },
      );
    },
    async getDelivery(webhookId, deliveryId) {
      const item = await table.get(pkOf(webhookId), deliverySk(deliveryId));
      return item ? toDelivery(item) : null;
    },
    async saveDelivery(delivery) {
      const sk = deliverySk(delivery.id);
      await table.update(pkOf(delivery.webhookId), sk, {
        expression: "SET #state = :state, attempts = :attempts, nextAttemptAt = :next",
        condition: "attribute_exists(pk)",
        values: {
          ":state": delivery.state,
          ":attempts": delivery.attempts,
          ":next": delivery.nextAttemptAt ?? "",
        },
        names: { "#state": "state" },
      });
    },
    async listDeliveries(webhookId, request) {
      const page = await table.query(undefined, pkOf(webhookId), request, { sortKeyPrefix: "DELIVERY#" });
      return { items: page.items.map(toDelivery), nextCursor: page.nextCursor };
    },
  };
  return store;
}
