import { expect, it } from "vitest";
import { newId } from "#src/domain/token.ts";
import type { Webhook } from "#src/domain/webhook.ts";
import type { Delivery, Stores } from "#src/storage/ports.ts";
import { at, concurrently, t0, walk } from "./fixtures.ts";

function aWebhook(overrides: Partial<Webhook> = {}): Webhook {
  return {
    id: newId(),
    ownerId: "owner-1",
    url: "https://hooks.example.com/in",
    eventTypes: ["link.downloaded", "link.refused"],
    enabled: true,
    createdAt: at(0),
    secrets: [{ secret: `whsec_${"A".repeat(43)}=` }],
    failureStreak: 0,
    ...overrides,
  };
}

let deliveries = 0;
function aDelivery(webhookId: string, overrides: Partial<Delivery> = {}): Delivery {
  deliveries += 1;
  const createdAt = at(deliveries);
  return {
    id: `${createdAt}#${String(deliveries).padStart(6, "0")}`,
    webhookId,
    messageId: `msg_${deliveries}`,
    eventType: "link.downloaded",
    createdAt,
    payload: JSON.stringify({ type: "link.downloaded", n: deliveries }),
    state: "pending",
    attempts: [],
    nextAttemptAt: createdAt,
    ...overrides,
  };
}

const keep = new Date(t0.getTime() + 30 * 86_400_000);

/** WebhookStore: the webhooks of an owner, their failure streak and their delivery log (ADR 022). */
export function webhookStoreContract(stores: () => Stores) {
  const webhooks = () => stores().webhooks;

  it("put writes a webhook once; get answers it whole; an unknown id is null", async () => {
    const webhook = aWebhook();
    await webhooks().put(webhook);
    await webhooks().put({ ...webhook, url: "https://elsewhere.example.com/" });
    expect(await webhooks().get(webhook.id)).toStrictEqual(webhook);
    expect(await webhooks().get("no-such-webhook")).toBeNull();
  });

  it("listByOwner pages an owner's webhooks newest first and shows no one else's; allOfOwner answers them all", async () => {
    const mine = [];
    for (let i = 0; i < 130; i++) {
      const webhook = aWebhook({ ownerId: "many", createdAt: at(i) });
      mine.push(webhook);
      await webhooks().put(webhook);
    }
    await webhooks().put(aWebhook({ ownerId: "someone-else" }));
    const newestFirst = mine.reverse().map((webhook) => webhook.id);
    const { items: paged } = await walk((page) => webhooks().listByOwner("many", page), 50);
    expect(paged.map((webhook) => webhook.id)).toEqual(newestFirst);
    expect((await webhooks().allOfOwner("many")).map((webhook) => webhook.id)).toEqual(newestFirst);
    expect(await webhooks().allOfOwner("nobody")).toEqual([]);
  });

  it("update changes only what it names; an unknown id is null and creates nothing", async () => {
    const webhook = aWebhook();
    await webhooks().put(webhook);
    const renamed = await webhooks().update(webhook.id, { url: "https://new.example.com/hook" });
    expect(renamed).toStrictEqual({ ...webhook, url: "https://new.example.com/hook" });
    const retyped = await webhooks().update(webhook.id, { eventTypes: ["order.created"], enabled: false });
    expect(retyped).toStrictEqual({
      ...webhook,
      url: "https://new.example.com/hook",
      eventTypes: ["order.created"],
      enabled: false,
    });
    expect(await webhooks().update(webhook.id, {})).toStrictEqual(retyped);
    expect(await webhooks().update("no-such-webhook", { enabled: true })).toBeNull();
    expect(await webhooks().get("no-such-webhook")).toBeNull();
  });

  it("setSecrets replaces the secrets (a rotation keeps the old one until it expires)", async () => {
    const webhook = aWebhook();
    await webhooks().put(webhook);
    const rotated = [
      { secret: `whsec_${"B".repeat(43)}=` },
      { secret: webhook.secrets[0]?.secret ?? "", expiresAt: at(86_400) },
    ];
    expect(await webhooks().setSecrets(webhook.id, rotated)).toStrictEqual({ ...webhook, secrets: rotated });
    expect((await webhooks().get(webhook.id))?.secrets).toStrictEqual(rotated);
    expect(await webhooks().setSecrets("no-such-webhook", rotated)).toBeNull();
  });

  it("delete removes a webhook; deleting it again is quiet", async () => {
    const webhook = aWebhook();
    await webhooks().put(webhook);
    await webhooks().delete(webhook.id);
    await webhooks().delete(webhook.id);
    expect(await webhooks().get(webhook.id)).toBeNull();
    expect(await webhooks().allOfOwner(webhook.ownerId)).toEqual([]);
  });

  it("recordFailure counts 40 concurrent failures exactly and turns the webhook off once, at the threshold, with a reason", async () => {
    const webhook = aWebhook();
    await webhooks().put(webhook);
    const after = await concurrently(40, () => webhooks().recordFailure(webhook.id, 15));
    const stored = await webhooks().get(webhook.id);
    expect(stored?.failureStreak).toBe(40);
    expect(stored?.enabled).toBe(false);
    expect(stored?.disabledReason).toMatch(/^Turned off after \d+ failed attempts in a row\.$/);
    expect(
      after.filter((seen) => seen?.enabled === true).every((seen) => (seen?.failureStreak ?? 0) < 15),
    ).toBe(true);
    expect(await webhooks().recordFailure("no-such-webhook", 15)).toBeNull();
    expect(await webhooks().get("no-such-webhook")).toBeNull();
  });

  it("a failure below the threshold leaves the webhook on; recordSuccess starts the streak again", async () => {
    const webhook = aWebhook();
    await webhooks().put(webhook);
    for (let i = 0; i < 3; i++) await webhooks().recordFailure(webhook.id, 15);
    expect(await webhooks().get(webhook.id)).toStrictEqual({ ...webhook, failureStreak: 3 });
    await webhooks().recordSuccess(webhook.id);
    await webhooks().recordSuccess(webhook.id);
    expect(await webhooks().get(webhook.id)).toStrictEqual(webhook);
    await webhooks().recordSuccess("no-such-webhook");
    expect(await webhooks().get("no-such-webhook")).toBeNull();
  });

  it("a webhook turned on again by its owner loses its streak and the reason it was turned off", async () => {
    const webhook = aWebhook();
    await webhooks().put(webhook);
    for (let i = 0; i < 2; i++) await webhooks().recordFailure(webhook.id, 2);
    expect((await webhooks().get(webhook.id))?.enabled).toBe(false);
    expect(await webhooks().update(webhook.id, { enabled: true })).toStrictEqual(webhook);
    expect(await webhooks().get(webhook.id)).toStrictEqual(webhook);
  });

  it("createDelivery writes a delivery once: 20 redeliveries of one stream record leave one", async () => {
    const delivery = aDelivery("w-once");
    const created = await concurrently(20, () => webhooks().createDelivery(delivery, keep));
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(await webhooks().createDelivery({ ...delivery, payload: "{}" }, keep)).toBe(false);
    expect(await webhooks().getDelivery("w-once", delivery.id)).toStrictEqual(delivery);
    expect(await webhooks().getDelivery("w-other", delivery.id)).toBeNull();
    expect(await webhooks().getDelivery("w-once", "no-such-delivery")).toBeNull();
  });

  it("saveDelivery rewrites state, attempts and the next attempt (none stored as an empty string) and nothing else", async () => {
    const delivery = aDelivery("w-save");
    await webhooks().createDelivery(delivery, keep);
    const attempts = [
      { at: at(100), latencyMs: 10_000, error: "timeout" },
      { at: at(105), status: 204, latencyMs: 12 },
    ];
    await webhooks().saveDelivery({
      ...delivery,
      payload: "tampered",
      state: "delivered",
      attempts,
      nextAttemptAt: undefined,
    });
    expect(await webhooks().getDelivery("w-save", delivery.id)).toStrictEqual({
      ...delivery,
      state: "delivered",
      attempts,
      nextAttemptAt: "",
    });
    await webhooks().saveDelivery(aDelivery("w-save", { id: "never-created" }));
    expect(await webhooks().getDelivery("w-save", "never-created")).toBeNull();
  });

  it("listDeliveries pages a webhook's 120 deliveries newest first and none of another webhook's", async () => {
    const written = [];
    for (let i = 0; i < 120; i++) {
      const delivery = aDelivery("w-log");
      written.push(delivery);
      await webhooks().createDelivery(delivery, keep);
    }
    await webhooks().createDelivery(aDelivery("w-not-mine"), keep);
    const { items: paged } = await walk((page) => webhooks().listDeliveries("w-log", page), 25);
    expect(paged.map((delivery) => delivery.id)).toEqual(written.reverse().map((delivery) => delivery.id));
    expect(paged[0]).toStrictEqual(written[0]);
  });

  it("a delivery's webhook items do not show up as webhooks, nor its webhook among deliveries", async () => {
    const webhook = aWebhook({ ownerId: "mixed" });
    await webhooks().put(webhook);
    await webhooks().createDelivery(aDelivery(webhook.id), keep);
    expect(await webhooks().allOfOwner("mixed")).toStrictEqual([webhook]);
    expect((await webhooks().listDeliveries(webhook.id, { limit: 10 })).items).toHaveLength(1);
  });
}
