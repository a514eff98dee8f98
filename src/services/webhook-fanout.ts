import { createHash } from "node:crypto";
import type { AppDeps } from "#src/app-deps.ts";
import type { AccessEvent, AccessEventKind } from "#src/domain/access-event.ts";
import type { WebhookEventType } from "#src/domain/webhook.ts";
import type { Delivery } from "#src/storage/ports.ts";
import type { TableChange } from "#src/storage/stream-records.ts";

/** Deliveries (and their log) are kept 30 days. */
const DELIVERY_RETENTION_MS = 30 * 86_400_000;

const LINK_EVENT_TYPES: Record<AccessEventKind, WebhookEventType> = {
  created: "link.created",
  download: "link.downloaded",
  refused: "link.refused",
  exhausted: "link.exhausted",
  revoked: "link.revoked",
  rotated: "link.rotated",
};

/** Something that happened, addressed to the users whose webhooks may hear of it. */
export interface Happening {
  /** Stable across redeliveries of the stream record it comes from. */
  key: string;
  type: WebhookEventType;
  at: string;
  recipients: string[];
  data: Record<string, unknown>;
}

/** Link events go to the link's maker and the product's author (who both see the link). */
export async function linkHappenings(deps: AppDeps, events: AccessEvent[]): Promise<Happening[]> {
  const happenings: Happening[] = [];
  for (const event of events) {
    const product = await deps.stores.products.get(event.productId);
    const { ownerId, ...data } = event;
    happenings.push({
      key: event.id,
      type: LINK_EVENT_TYPES[event.kind],
      at: event.at,
      recipients: [...new Set([ownerId, ...(product ? [product.authorId] : [])])],
      data,
    });
  }
  return happenings;
}

/** Orders go to the seller; product changes to the author. Read from the same stream. */
export function shopHappenings(change: TableChange): Happening[] {
  const { before, after } = change;
  if (change.pk.startsWith("PRODUCT#") && change.sk.startsWith("ORDER#")) {
    const order = (after ?? before) as { id: string; productId: string; sellerId: string; status: string };
    const data = { orderId: order.id, productId: order.productId };
    const at = String(after?.refundedAt ?? after?.createdAt ?? new Date().toISOString());
    if (after?.status === "active" && before?.status !== "active") {
      return [{ key: change.eventId, type: "order.created", at, recipients: [order.sellerId], data }];
    }
    if (after?.status === "refunded" && before?.status !== "refunded") {
      return [{ key: change.eventId, type: "order.refunded", at, recipients: [order.sellerId], data }];
    }
    return [];
  }
  if (change.pk.startsWith("PRODUCT#") && change.sk === "PRODUCT") {
    const product = (after ?? before) as { id: string; authorId: string; title: string; version: number };
    const data = { productId: product.id, title: product.title, version: product.version };
    if (change.kind === "MODIFY" && after?.version !== before?.version) {
      return [
        {
          key: change.eventId,
          type: "product.updated",
          at: String(after?.updatedAt ?? ""),
          recipients: [product.authorId],
          data,
        },
      ];
    }
    if (change.kind === "REMOVE") {
      return [
        {
          key: change.eventId,
          type: "product.deleted",
          at: new Date().toISOString(),
          recipients: [product.authorId],
          data,
        },
      ];
    }
  }
  return [];
}

const hash = (text: string) => createHash("sha256").update(text).digest("base64url").slice(0, 22);

/** A delivery id that sorts by time and is the same for the same happening and webhook. */
export const deliveryIdFor = (at: Date, seed: string) =>
  `${at.toISOString().replace(/[-:.TZ]/g, "")}-${hash(seed).slice(0, 12)}`;

/**
 * Writes one delivery per subscribed, enabled webhook of each recipient and queues its first
 * attempt. A stream record delivered again finds its deliveries written and queues nothing new.
 */
export async function fanOut(deps: AppDeps, happenings: Happening[]): Promise<number> {
  let queued = 0;
  for (const happening of happenings) {
    for (const recipient of happening.recipients) {
      const webhooks = await deps.stores.webhooks.allOfOwner(recipient);
      for (const webhook of webhooks) {
        if (!webhook.enabled || !webhook.eventTypes.includes(happening.type)) continue;
        const created = new Date(happening.at || deps.clock().toISOString());
        const delivery: Delivery = {
          id: deliveryIdFor(
            Number.isNaN(created.getTime()) ? deps.clock() : created,
            `${happening.key}#${webhook.id}`,
          ),
          webhookId: webhook.id,
          messageId: `msg_${hash(`${happening.key}#${webhook.id}`)}`,
          eventType: happening.type,
          createdAt: deps.clock().toISOString(),
          payload: JSON.stringify({ type: happening.type, timestamp: happening.at, data: happening.data }),
          state: "pending",
          attempts: [],
        };
        const isNew = await deps.stores.webhooks.createDelivery(
          delivery,
          new Date(deps.clock().getTime() + DELIVERY_RETENTION_MS),
        );
        if (!isNew) continue;
        await deps.webhookQueue.enqueue({ webhookId: webhook.id, deliveryId: delivery.id }, 0);
        queued++;
      }
    }
  }
  return queued;
}
