import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RETRY_DELAYS_SECONDS } from "#src/domain/webhook.ts";
import { manualScheduler } from "#src/local/local-webhook-queue.ts";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: Date;
}

/** A receiver on loopback that answers what `status()` says and keeps what it got. */
async function startReceiver(status: () => number) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      received.push({ headers: request.headers, body, at: scheduler.now() });
      response.writeHead(status()).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const scheduler = manualScheduler();
let evergate: TestEvergate;
let seller: TestUser;
let buyer: TestUser;
let product: TestProduct;

beforeAll(async () => {
  evergate = await startTestEvergate({
    scheduler,
    configOverrides: { WEBHOOK_ALLOW_LOOPBACK: "true", WEBHOOK_DISABLE_AFTER_FAILURES: "12" },
  });
  [seller, buyer] = await Promise.all([evergate.newUser("seller"), evergate.newUser("buyer")]);
  product = await evergate.createProduct(seller, { title: "Hooked thing" });
  expect(
    (await evergate.request("POST", `/api/products/${product.id}/orders`, { token: buyer.token })).status,
  ).toBe(201);
});
afterAll(() => evergate?.stop());

/** Lets the stream and the queue catch up, running what is due within `ms` of the clock. */
async function settle(ms = 0) {
  await evergate.streamConsumer.idle();
  await scheduler.advance(ms, () => evergate.webhookQueue.idle());
  await evergate.streamConsumer.idle();
  await scheduler.advance(0, () => evergate.webhookQueue.idle());
}

async function createWebhook(user: TestUser, url: string, eventTypes: string[]) {
  const response = await evergate.request("POST", "/api/webhooks", {
    token: user.token,
    json: { url, eventTypes },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return json<{ id: string; secret: string }>(response);
}

async function download() {
  const link = await json<{ id: string; token: string }>(
    await evergate.request("POST", "/api/links", { token: buyer.token, json: { productId: product.id } }),
  );
  expect(
    (await evergate.request("GET", `/l/${link.token}`, { headers: { "user-agent": "curl/8.5.0" } })).status,
  ).toBe(302);
  return link;
}

type DeliveryView = {
  id: string;
  state: string;
  eventType: string;
  messageId: string;
  attempts: Array<{ at: string; status?: number; latencyMs: number; error?: string }>;
};
const deliveriesOf = async (user: TestUser, webhookId: string) =>
  (
    await json<{ items: DeliveryView[] }>(
      await evergate.request("GET", `/api/webhooks/${webhookId}/deliveries?limit=100`, { token: user.token }),
    )
  ).items;

describe("webhooks", () => {
  it("a receiver gets link.downloaded with a valid Standard Webhooks signature; the log shows it", async () => {
    const receiver = await startReceiver(() => 204);
    const webhook = await createWebhook(buyer, receiver.url, ["link.downloaded"]);
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await json<{ items: Array<Record<string, unknown>> }>(
      await evergate.request("GET", "/api/webhooks", { token: buyer.token }),
    );
    expect(JSON.stringify(listed)).not.toContain(webhook.secret);

    const link = await download();
    await settle();
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    const verified = new StandardWebhook(webhook.secret).verify(got?.body ?? "", {
      "webhook-id": String(got?.headers["webhook-id"]),
      "webhook-timestamp": String(got?.headers["webhook-timestamp"]),
      "webhook-signature": String(got?.headers["webhook-signature"]),
    }) as { type: string; data: { linkId: string; outcome: string; client: { class: string } } };
    expect(verified).toMatchObject({
      type: "link.downloaded",
      data: { linkId: link.id, outcome: "granted", client: { class: "cli" } },
    });
    // A wrong secret does not verify
    expect(() =>
      new StandardWebhook(`whsec_${Buffer.alloc(32, 1).toString("base64")}`).verify(got?.body ?? "", {
        "webhook-id": String(got?.headers["webhook-id"]),
        "webhook-timestamp": String(got?.headers["webhook-timestamp"]),
        "webhook-signature": String(got?.headers["webhook-signature"]),
      }),
    ).toThrow();

    const [delivery] = await deliveriesOf(buyer, webhook.id);
    expect(delivery).toMatchObject({ state: "delivered", eventType: "link.downloaded" });
    expect(delivery?.messageId).toBe(got?.headers["webhook-id"]);
    expect(delivery?.attempts).toEqual([
      { at: expect.any(String), status: 204, latencyMs: expect.any(Number) },
    ]);
    // The seller, whose product it is, hears nothing: no webhook of theirs subscribes
    await receiver.stop();
  });

  it("a failing receiver is retried on the schedule for more than 24 hours, then the delivery is failed", async () => {
    const receiver = await startReceiver(() => 503);
    const webhook = await createWebhook(seller, receiver.url, ["link.created"]);
    await download();
    await settle();
    expect(receiver.received).toHaveLength(1);
    for (const [index, delay] of RETRY_DELAYS_SECONDS.entries()) {
      await settle(delay * 1000 - 1);
      expect(receiver.received, `no retry before ${delay} s`).toHaveLength(index + 1);
      await settle(1);
      expect(receiver.received, `retry ${index + 1} after ${delay} s`).toHaveLength(index + 2);
    }
    await settle(48 * 3_600_000);
    expect(receiver.received).toHaveLength(RETRY_DELAYS_SECONDS.length + 1);
    const times = receiver.received.map((got) => got.at.getTime());
    const gaps = times.slice(1).map((time, i) => (time - (times[i] ?? 0)) / 1000);
    expect(gaps).toEqual([...RETRY_DELAYS_SECONDS]);
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThan(24 * 3_600_000);
    // Every attempt carries the same webhook-id: receivers de-duplicate by it
    expect(new Set(receiver.received.map((got) => got.headers["webhook-id"])).size).toBe(1);

    const [delivery] = await deliveriesOf(seller, webhook.id);
    expect(delivery?.state).toBe("failed");
    expect(delivery?.attempts.map((attempt) => attempt.status)).toEqual(
      Array(RETRY_DELAYS_SECONDS.length + 1).fill(503),
    );

    // Manual redelivery once the receiver is fixed
    receiver.received.length = 0;
    const fixed = await startReceiver(() => 200);
    expect(
      (
        await evergate.request("PATCH", `/api/webhooks/${webhook.id}`, {
          token: seller.token,
          json: { url: fixed.url },
        })
      ).status,
    ).toBe(200);
    const redelivered = await evergate.request(
      "POST",
      `/api/webhooks/${webhook.id}/deliveries/${delivery?.id}/redeliver`,
      { token: seller.token },
    );
    expect(redelivered.status).toBe(202);
    await settle();
    expect(fixed.received).toHaveLength(1);
    const [after] = await deliveriesOf(seller, webhook.id);
    expect(after?.state).toBe("delivered");
    expect(after?.attempts.at(-1)?.status).toBe(200);
    await receiver.stop();
    await fixed.stop();
  });

  it("a run of failures turns the webhook off, and nothing more is sent", async () => {
    const receiver = await startReceiver(() => 500);
    const webhook = await createWebhook(seller, receiver.url, ["link.created"]);
    // 12 failed attempts in a row: two events' whole schedules would be 16
    await download();
    await download();
    for (let hour = 0; hour < 30; hour++) await settle(3_600_000);
    const state = await json<{ enabled: boolean; disabledReason?: string; failureStreak: number }>(
      await evergate.request("GET", `/api/webhooks/${webhook.id}`, { token: seller.token }),
    );
    expect(state).toMatchObject({ enabled: false, failureStreak: 12 });
    expect(state.disabledReason).toMatch(/12 failed attempts/);
    expect(receiver.received).toHaveLength(12);
    await download();
    await settle(3_600_000);
    expect(receiver.received).toHaveLength(12);
    await receiver.stop();
  });

  it("secret rotation: both secrets sign during the overlap", async () => {
    const receiver = await startReceiver(() => 200);
    const webhook = await createWebhook(buyer, receiver.url, ["link.created"]);
    const rotated = await json<{ secret: string; previousSecretExpiresAt: string }>(
      await evergate.request("POST", `/api/webhooks/${webhook.id}/rotate-secret`, { token: buyer.token }),
    );
    expect(rotated.secret).not.toBe(webhook.secret);
    expect(Date.parse(rotated.previousSecretExpiresAt) - scheduler.now().getTime()).toBe(24 * 3_600_000);
    await download();
    await settle();
    const [got] = receiver.received;
    const headers = {
      "webhook-id": String(got?.headers["webhook-id"]),
      "webhook-timestamp": String(got?.headers["webhook-timestamp"]),
      "webhook-signature": String(got?.headers["webhook-signature"]),
    };
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    // The test's clock is hours ahead of the wall clock by now (verify() checks the timestamp
    // against the wall clock): recompute each secret's signature for the timestamp sent instead
    const signedAt = new Date(Number(headers["webhook-timestamp"]) * 1000);
    for (const secret of [webhook.secret, rotated.secret]) {
      const expected = new StandardWebhook(secret).sign(headers["webhook-id"], signedAt, got?.body ?? "");
      expect(headers["webhook-signature"].split(" ")).toContain(expected);
    }
    await receiver.stop();
  });

  it("order and product events reach the seller's webhook; ping too", async () => {
    const receiver = await startReceiver(() => 200);
    const webhook = await createWebhook(seller, receiver.url, [
      "order.created",
      "order.refunded",
      "product.updated",
    ]);
    const customer = await evergate.newUser("customer");
    expect(
      (await evergate.request("POST", `/api/products/${product.id}/orders`, { token: customer.token }))
        .status,
    ).toBe(201);
    expect(
      (
        await evergate.request("POST", `/api/orders/${product.id}_${customer.userId}/refund`, {
          token: seller.token,
        })
      ).status,
    ).toBe(200);
    expect(
      (await evergate.request("POST", `/api/webhooks/${webhook.id}/ping`, { token: seller.token })).status,
    ).toBe(202);
    await settle();
    const types = receiver.received.map((got) => (JSON.parse(got.body) as { type: string }).type);
    expect(types.sort()).toEqual(["order.created", "order.refunded", "webhook.ping"]);
    await receiver.stop();
  });

  it("targets: https only, public addresses only, unless loopback is allowed; 404 to strangers", async () => {
    for (const url of [
      "http://10.0.0.1/hook",
      "https://169.254.169.254/latest",
      "ftp://example.com/",
      "https://u:p@example.com/",
    ]) {
      const response = await evergate.request("POST", "/api/webhooks", {
        token: buyer.token,
        json: { url, eventTypes: ["link.created"] },
      });
      expect(response.status, url).toBe(400);
    }
    const mine = await createWebhook(buyer, "https://hooks.example.com/x", ["link.created"]);
    for (const [method, path] of [
      ["GET", `/api/webhooks/${mine.id}`],
      ["DELETE", `/api/webhooks/${mine.id}`],
      ["GET", `/api/webhooks/${mine.id}/deliveries`],
      ["POST", `/api/webhooks/${mine.id}/rotate-secret`],
    ] as const) {
      expect((await evergate.request(method, path, { token: seller.token })).status, path).toBe(404);
    }
    expect(
      (await evergate.request("DELETE", `/api/webhooks/${mine.id}`, { token: buyer.token })).status,
    ).toBe(204);
  });
});
