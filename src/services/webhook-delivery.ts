import { Webhook as StandardWebhook } from "standardwebhooks";
import type { AppDeps, DeliveryJob } from "#src/app-deps.ts";
import { MAX_ATTEMPTS, RETRY_DELAYS_SECONDS, signingSecrets } from "#src/domain/webhook.ts";

/**
 * One attempt at one delivery: sign (Standard Webhooks: webhook-id, webhook-timestamp,
 * webhook-signature, one `v1,` signature per active secret), POST, log the attempt, then either
 * done, or the next try on the schedule, or given up. A webhook that fails
 * WEBHOOK_DISABLE_AFTER_FAILURES attempts in a row is turned off.
 */
export async function attemptDelivery(deps: AppDeps, job: DeliveryJob): Promise<void> {
  const { webhooks } = deps.stores;
  const delivery = await webhooks.getDelivery(job.webhookId, job.deliveryId);
  if (!delivery || (delivery.state !== "pending" && !job.manual)) return;
  const webhook = await webhooks.get(job.webhookId);
  const now = deps.clock();
  if (!webhook?.enabled) {
    delivery.attempts.push({
      at: now.toISOString(),
      latencyMs: 0,
      error: webhook ? "webhook is disabled" : "webhook was deleted",
    });
    await webhooks.saveDelivery({ ...delivery, state: "failed", nextAttemptAt: undefined });
    return;
  }
  const signature = signingSecrets(webhook, now)
    .map((secret) => new StandardWebhook(secret).sign(delivery.messageId, now, delivery.payload))
    .join(" ");
  const response = await deps.sendWebhook(
    webhook.url,
    {
      "webhook-id": delivery.messageId,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": signature,
    },
    delivery.payload,
  );
  const ok = response.status !== undefined && response.status >= 200 && response.status < 300;
  delivery.attempts.push({
    at: now.toISOString(),
    ...(response.status !== undefined ? { status: response.status } : {}),
    latencyMs: response.latencyMs,
    ...(response.error ? { error: response.error } : {}),
  });
  if (ok) {
    deps.metrics.add("WebhookDeliveries", 1, { Result: "delivered" });
    await webhooks.saveDelivery({ ...delivery, state: "delivered", nextAttemptAt: undefined });
    await webhooks.recordSuccess(webhook.id);
    return;
  }
  const after = await webhooks.recordFailure(webhook.id, deps.config.WEBHOOK_DISABLE_AFTER_FAILURES);
  const delay = RETRY_DELAYS_SECONDS[delivery.attempts.length - 1];
  if (job.manual || !after?.enabled || delay === undefined || delivery.attempts.length >= MAX_ATTEMPTS) {
    deps.metrics.add("WebhookDeliveries", 1, { Result: "failed" });
    await webhooks.saveDelivery({ ...delivery, state: "failed", nextAttemptAt: undefined });
    if (after && !after.enabled)
      deps.logger.warn("webhook turned off after failures", { webhookId: webhook.id });
    return;
  }
  deps.metrics.add("WebhookDeliveries", 1, { Result: "retry" });
  const nextAttemptAt = new Date(now.getTime() + delay * 1000).toISOString();
  await webhooks.saveDelivery({ ...delivery, state: "pending", nextAttemptAt });
  await deps.webhookQueue.enqueue({ webhookId: webhook.id, deliveryId: delivery.id }, delay);
}
