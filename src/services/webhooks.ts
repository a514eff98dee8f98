import { randomBytes } from "node:crypto";
import type { AppDeps } from "#src/app-deps.ts";
import { AppError, notFound } from "#src/domain/errors.ts";
import { newId } from "#src/domain/token.ts";
import {
  checkTargetUrl,
  SECRET_OVERLAP_HOURS,
  type Webhook,
  type WebhookEventType,
} from "#src/domain/webhook.ts";
import type { Delivery, Page, PageRequest, WebhookChanges } from "#src/storage/ports.ts";
import { deliveryIdFor } from "./webhook-fanout.ts";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

function assertTarget(deps: AppDeps, url: string): void {
  const checked = checkTargetUrl(url, deps.config.WEBHOOK_ALLOW_LOOPBACK);
  if (!checked.ok)
    throw new AppError("invalid_request", `The webhook URL is not allowed: ${checked.reason}.`);
}

/** Creates a webhook; its secret is in this answer only. */
export async function createWebhook(
  deps: AppDeps,
  ownerId: string,
  input: { url: string; eventTypes: WebhookEventType[]; enabled?: boolean },
): Promise<{ webhook: Webhook; secret: string }> {
  assertTarget(deps, input.url);
  const secret = newSecret();
  const webhook: Webhook = {
    id: newId(),
    ownerId,
    url: input.url,
    eventTypes: [...new Set(input.eventTypes)],
    enabled: input.enabled ?? true,
    createdAt: deps.clock().toISOString(),
    secrets: [{ secret }],
    failureStreak: 0,
  };
  await deps.stores.webhooks.put(webhook);
  return { webhook, secret };
}

export async function getOwnWebhookOrThrow(deps: AppDeps, id: string, ownerId: string): Promise<Webhook> {
  const webhook = await deps.stores.webhooks.get(id);
  if (!webhook || webhook.ownerId !== ownerId) throw notFound("Webhook");
  return webhook;
}

export const listWebhooks = (deps: AppDeps, ownerId: string, page: PageRequest): Promise<Page<Webhook>> =>
  deps.stores.webhooks.listByOwner(ownerId, page);

export async function updateWebhook(deps: AppDeps, id: string, ownerId: string, changes: WebhookChanges) {
  await getOwnWebhookOrThrow(deps, id, ownerId);
  if (changes.url !== undefined) assertTarget(deps, changes.url);
  const updated = await deps.stores.webhooks.update(id, {
    ...changes,
    ...(changes.eventTypes ? { eventTypes: [...new Set(changes.eventTypes)] } : {}),
  });
  if (!updated) throw notFound("Webhook");
  return updated;
}

export async function deleteWebhook(deps: AppDeps, id: string, ownerId: string): Promise<void> {
  await getOwnWebhookOrThrow(deps, id, ownerId);
  await deps.stores.webhooks.delete(id);
}

/**
 * A new secret, shown once; the previous one keeps signing for SECRET_OVERLAP_HOURS, so a receiver
 * can switch without losing a delivery (each delivery carries a signature per secret).
 */
export async function rotateWebhookSecret(deps: AppDeps, id: string, ownerId: string) {
  const webhook = await getOwnWebhookOrThrow(deps, id, ownerId);
  const now = deps.clock();
  const secret = newSecret();
  const overlapEnds = new Date(now.getTime() + SECRET_OVERLAP_HOURS * 3_600_000).toISOString();
  const current = webhook.secrets.find((candidate) => !candidate.expiresAt);
  const secrets = [{ secret }, ...(current ? [{ secret: current.secret, expiresAt: overlapEnds }] : [])];
  const updated = await deps.stores.webhooks.setSecrets(id, secrets);
  if (!updated) throw notFound("Webhook");
  return { webhook: updated, secret, previousSecretExpiresAt: current ? overlapEnds : undefined };
}

export async function listDeliveries(deps: AppDeps, id: string, ownerId: string, page: PageRequest) {
  await getOwnWebhookOrThrow(deps, id, ownerId);
  return deps.stores.webhooks.listDeliveries(id, page);
}

/** One more attempt at a delivery, now, whatever its state; no retries after it. */
export async function redeliver(deps: AppDeps, id: string, deliveryId: string, ownerId: string) {
  const webhook = await getOwnWebhookOrThrow(deps, id, ownerId);
  if (!webhook.enabled) throw new AppError("conflict", "The webhook is disabled; enable it first.");
  const delivery = await deps.stores.webhooks.getDelivery(id, deliveryId);
  if (!delivery) throw notFound("Delivery");
  await deps.webhookQueue.enqueue({ webhookId: id, deliveryId, manual: true }, 0);
  return delivery;
}

/** A `webhook.ping` delivery to check the receiver and its signature check. */
export async function pingWebhook(deps: AppDeps, id: string, ownerId: string): Promise<Delivery> {
  const webhook = await getOwnWebhookOrThrow(deps, id, ownerId);
  if (!webhook.enabled) throw new AppError("conflict", "The webhook is disabled; enable it first.");
  const now = deps.clock();
  const seed = newId();
  const delivery: Delivery = {
    id: deliveryIdFor(now, seed),
    webhookId: id,
    messageId: `msg_ping_${seed}`,
    eventType: "webhook.ping",
    createdAt: now.toISOString(),
    payload: JSON.stringify({ type: "webhook.ping", timestamp: now.toISOString(), data: { webhookId: id } }),
    state: "pending",
    attempts: [],
  };
  await deps.stores.webhooks.createDelivery(delivery, new Date(now.getTime() + 30 * 86_400_000));
  await deps.webhookQueue.enqueue({ webhookId: id, deliveryId: delivery.id }, 0);
  return delivery;
}
