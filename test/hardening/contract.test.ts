import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEvergate, type TestEvergate, testPng } from "../support/harness.ts";
import { operations, seen } from "./contract.ts";
import { buildWorld, sendChecked, type World } from "./fixtures.ts";

/**
 * The contract, answer by answer: every success (and the common refusals) of every operation in
 * openapi.yaml, each validated against its documented status, content type and JSON schema.
 * The bad-input suite validates every answer its random runs produce the same way.
 */

let evergate: TestEvergate;
let world: World;

beforeAll(async () => {
  evergate = await startTestEvergate();
  world = await buildWorld(evergate);
});
afterAll(() => evergate?.stop());

const jsonBody = (value: unknown) => ({ body: JSON.stringify(value), contentType: "application/json" });

describe("every operation's answers match openapi.yaml", () => {
  it("system", async () => {
    await sendChecked(evergate, "GET", "/api/health");
    await sendChecked(evergate, "GET", "/api/config");
    await sendChecked(evergate, "GET", "/api/problems");
    await sendChecked(evergate, "GET", "/api/me", { token: world.author.token });
    await sendChecked(evergate, "GET", "/api/me", { token: world.keys.author.full.key });
    await sendChecked(evergate, "GET", "/api/me");
  });

  it("links", async () => {
    const { author, owner, stranger, product } = world;
    const created = await sendChecked(evergate, "POST", "/api/links", {
      token: owner.token,
      ...jsonBody({
        productId: product.id,
        label: "contract",
        maxDownloads: 3,
        expiresAt: "2100-01-01T00:00:00Z",
      }),
    });
    expect(created.status).toBe(201);
    const link = JSON.parse(created.body) as { id: string; token: string };
    expect((await sendChecked(evergate, "GET", "/api/links?limit=1", { token: owner.token })).status).toBe(
      200,
    );
    expect(
      (await sendChecked(evergate, "GET", `/api/links/${link.id}`, { token: author.token })).status,
    ).toBe(200);
    expect(
      (await sendChecked(evergate, "GET", `/api/links/${link.id}`, { token: stranger.token })).status,
    ).toBe(404);
    const patched = await sendChecked(evergate, "PATCH", `/api/links/${link.id}`, {
      token: owner.token,
      ...jsonBody({ label: null, maxDownloads: null, expiresAt: null }),
    });
    expect(patched.status).toBe(200);
    expect(
      (await sendChecked(evergate, "GET", `/api/products/${product.id}/links`, { token: author.token }))
        .status,
    ).toBe(200);
    expect((await sendChecked(evergate, "HEAD", `/l/${link.token}`)).status).toBe(200);
    expect(
      (
        await sendChecked(evergate, "GET", `/l/${link.token}`, {
          headers: { "user-agent": "Slackbot-LinkExpanding 1.0" },
        })
      ).status,
    ).toBe(200);
    expect((await sendChecked(evergate, "GET", `/l/${link.token}`)).status).toBe(302);
    expect((await sendChecked(evergate, "POST", `/l/${link.token}`)).status).toBe(303);
    const fromBrowser = { headers: { accept: "text/html", "user-agent": "Mozilla/5.0 (X11; Linux x86_64)" } };
    expect((await sendChecked(evergate, "POST", `/l/${link.token}`, fromBrowser)).status).toBe(200);
    const rotated = await sendChecked(evergate, "POST", `/api/links/${link.id}/rotate`, {
      token: owner.token,
    });
    expect(rotated.status).toBe(201);
    expect((await sendChecked(evergate, "GET", `/l/${link.token}`)).status).toBe(410);
    // A limited link: a GET is a 409 saying to POST; used up, a 410 with its reason.
    const limited = JSON.parse(
      (
        await sendChecked(evergate, "POST", "/api/links", {
          token: owner.token,
          ...jsonBody({ productId: product.id, maxDownloads: 1, graceSeconds: 0 }),
        })
      ).body,
    ) as { token: string };
    expect((await sendChecked(evergate, "GET", `/l/${limited.token}`)).status).toBe(409);
    expect(
      (await sendChecked(evergate, "POST", `/l/${limited.token}`, { headers: { accept: "text/html" } }))
        .status,
    ).toBe(200);
    const gone = await sendChecked(evergate, "POST", `/l/${limited.token}`);
    expect(gone.status).toBe(410);
    expect(JSON.parse(gone.body)).toMatchObject({ reason: "exhausted" });
    // A device-limited link: its maker forgets the bound clients.
    const bound = JSON.parse(
      (
        await sendChecked(evergate, "POST", "/api/links", {
          token: owner.token,
          ...jsonBody({ productId: product.id, maxClients: 1 }),
        })
      ).body,
    ) as { id: string; token: string };
    expect((await sendChecked(evergate, "POST", `/l/${bound.token}`)).status).toBe(303);
    const reset = await sendChecked(evergate, "DELETE", `/api/links/${bound.id}/clients`, {
      token: owner.token,
    });
    expect(reset.status).toBe(200);
    expect(JSON.parse(reset.body)).toMatchObject({ maxClients: 1, boundClients: 0 });
    expect(
      (await sendChecked(evergate, "POST", `/api/links/${link.id}/rotate`, { token: owner.token })).status,
    ).toBe(409);
    const next = JSON.parse(rotated.body) as { id: string };
    expect(
      (await sendChecked(evergate, "DELETE", `/api/links/${next.id}`, { token: author.token })).status,
    ).toBe(200);
    expect(
      (
        await sendChecked(evergate, "PATCH", `/api/links/${next.id}`, {
          token: owner.token,
          ...jsonBody({ label: "x" }),
        })
      ).status,
    ).toBe(409);
    const bulk = await sendChecked(evergate, "POST", "/api/links/bulk", {
      token: owner.token,
      ...jsonBody({
        links: [
          { productId: product.id, tags: ["contract"], externalId: "contract-1" },
          { productId: product.id, externalId: "contract-1" },
        ],
      }),
    });
    expect(bulk.status).toBe(200);
    const bulkLink = (JSON.parse(bulk.body) as { items: Array<{ link?: { id: string } }> }).items[0]?.link;
    expect(
      (await sendChecked(evergate, "GET", "/api/links?tag=contract&limit=1", { token: owner.token })).status,
    ).toBe(200);
    expect(
      (
        await sendChecked(evergate, "POST", "/api/links/revoke", {
          token: owner.token,
          ...jsonBody({ ids: [bulkLink?.id, link.id] }),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await sendChecked(evergate, "POST", "/api/links/revoke", {
          token: owner.token,
          ...jsonBody({ filter: { tag: "contract" } }),
        })
      ).status,
    ).toBe(202);
  });

  it("files", async () => {
    const { owner, stranger } = world;
    const bytes = new TextEncoder().encode("contract file");
    const created = await sendChecked(evergate, "POST", "/api/files", {
      token: owner.token,
      ...jsonBody({ filename: "contract.txt", contentType: "text/plain", size: bytes.length }),
    });
    expect(created.status).toBe(201);
    const { file, upload } = JSON.parse(created.body) as {
      file: { id: string };
      upload: { url: string; headers: Record<string, string> };
    };
    const early = await sendChecked(evergate, "POST", `/api/files/${file.id}/complete`, {
      token: owner.token,
      ...jsonBody({}),
    });
    expect(early.status).toBe(422);
    expect((await fetch(upload.url, { method: "PUT", headers: upload.headers, body: bytes })).status).toBe(
      200,
    );
    const completed = await sendChecked(evergate, "POST", `/api/files/${file.id}/complete`, {
      token: owner.token,
      ...jsonBody({}),
    });
    expect(completed.status).toBe(200);
    expect((await sendChecked(evergate, "GET", "/api/files?limit=1", { token: owner.token })).status).toBe(
      200,
    );
    expect((await sendChecked(evergate, "GET", `/api/files/${file.id}`, { token: owner.token })).status).toBe(
      200,
    );
    expect(
      (await sendChecked(evergate, "GET", `/api/files/${file.id}`, { token: stranger.token })).status,
    ).toBe(404);
    const link = await sendChecked(evergate, "POST", "/api/links", {
      token: owner.token,
      ...jsonBody({ fileId: file.id, label: "file" }),
    });
    expect(link.status).toBe(201);
    expect((await sendChecked(evergate, "GET", "/api/links?limit=5", { token: owner.token })).status).toBe(
      200,
    );
    expect(
      (await sendChecked(evergate, "DELETE", `/api/files/${file.id}`, { token: owner.token })).status,
    ).toBe(204);
    await evergate.linkJobsSettled();
    const { token } = JSON.parse(link.body) as { token: string };
    expect((await sendChecked(evergate, "GET", `/l/${token}`)).status).toBe(410);
  });

  it("API keys", async () => {
    const created = await sendChecked(evergate, "POST", "/api/keys", {
      token: world.stranger.token,
      ...jsonBody({ name: "contract", scopes: ["links:read"] }),
    });
    expect(created.status).toBe(201);
    const key = JSON.parse(created.body) as { id: string };
    expect((await sendChecked(evergate, "GET", "/api/keys", { token: world.stranger.token })).status).toBe(
      200,
    );
    const rotated = await sendChecked(evergate, "POST", `/api/keys/${key.id}/rotate`, {
      token: world.stranger.token,
    });
    expect(rotated.status).toBe(200);
    expect(
      (await sendChecked(evergate, "POST", `/api/keys/${key.id}/rotate`, { token: world.author.token }))
        .status,
    ).toBe(404);
    expect(
      (await sendChecked(evergate, "DELETE", `/api/keys/${key.id}`, { token: world.stranger.token })).status,
    ).toBe(200);
    expect(
      (await sendChecked(evergate, "POST", `/api/keys/${key.id}/rotate`, { token: world.stranger.token }))
        .status,
    ).toBe(409);
    expect(
      (await sendChecked(evergate, "GET", "/api/keys", { token: world.keys.author.full.key })).status,
    ).toBe(403);
  });

  it("products, orders and uploads", async () => {
    const { author, owner, stranger, product } = world;
    expect((await sendChecked(evergate, "GET", "/api/products?limit=2")).status).toBe(200);
    expect((await sendChecked(evergate, "GET", "/api/me/products", { token: author.token })).status).toBe(
      200,
    );
    expect((await sendChecked(evergate, "GET", `/api/products/${product.id}`)).status).toBe(200);
    expect(
      (await sendChecked(evergate, "GET", `/api/products/${product.id}`, { token: owner.token })).status,
    ).toBe(200);
    expect((await sendChecked(evergate, "GET", `/api/products/${product.id}/image`)).status).toBe(302);
    expect(
      (await sendChecked(evergate, "GET", `/api/products/${product.id}/download`, { token: owner.token }))
        .status,
    ).toBe(302);
    const asJson = await sendChecked(evergate, "GET", `/api/products/${product.id}/download`, {
      token: author.token,
      headers: { accept: "application/json" },
    });
    expect(asJson.status).toBe(200);

    const ticket = await sendChecked(evergate, "POST", "/api/uploads", {
      token: author.token,
      ...jsonBody({ kind: "deliverable", contentType: "text/plain", size: 3, filename: "c.txt" }),
    });
    expect(ticket.status).toBe(201);
    const imageUploadId = await evergate.upload(author, "promoImage", testPng, "image/png", "p.png");
    const deliverableUploadId = await evergate.upload(
      author,
      "deliverable",
      new Uint8Array([1]),
      "text/plain",
      "d.txt",
    );
    const createdProduct = await sendChecked(evergate, "POST", "/api/products", {
      token: author.token,
      ...jsonBody({
        title: "Contract",
        description: "A product.",
        price: { amount: 0, currency: "EUR" },
        imageUploadId,
        deliverableUploadId,
      }),
    });
    expect(createdProduct.status).toBe(201);
    const fresh = JSON.parse(createdProduct.body) as { id: string; version: number };
    const patched = await sendChecked(evergate, "PATCH", `/api/products/${fresh.id}`, {
      token: author.token,
      ...jsonBody({ title: "Contract 2", version: fresh.version }),
    });
    expect(patched.status).toBe(200);
    const stale = await sendChecked(evergate, "PATCH", `/api/products/${fresh.id}`, {
      token: author.token,
      ...jsonBody({ title: "Contract 3", version: fresh.version }),
    });
    expect(stale.status).toBe(409);
    const notMine = await sendChecked(evergate, "POST", "/api/products", {
      token: author.token,
      ...jsonBody({
        title: "x",
        description: "y",
        price: { amount: 1, currency: "EUR" },
        imageUploadId: "AAAAAAAAAAAAAAAA",
        deliverableUploadId: "BBBBBBBBBBBBBBBB",
      }),
    });
    expect(notMine.status).toBe(404);

    expect(
      (await sendChecked(evergate, "POST", `/api/products/${fresh.id}/orders`, { token: stranger.token }))
        .status,
    ).toBe(201);
    expect(
      (await sendChecked(evergate, "POST", `/api/products/${fresh.id}/orders`, { token: stranger.token }))
        .status,
    ).toBe(200);
    expect(
      (await sendChecked(evergate, "POST", `/api/products/${fresh.id}/orders`, { token: author.token }))
        .status,
    ).toBe(409);
    expect((await sendChecked(evergate, "GET", "/api/me/orders", { token: stranger.token })).status).toBe(
      200,
    );
    expect((await sendChecked(evergate, "GET", "/api/me/sales", { token: author.token })).status).toBe(200);
    const orderId = `${fresh.id}_${stranger.userId}`;
    expect(
      (await sendChecked(evergate, "POST", `/api/orders/${orderId}/refund`, { token: author.token })).status,
    ).toBe(200);
    expect(
      (await sendChecked(evergate, "DELETE", `/api/products/${fresh.id}`, { token: author.token })).status,
    ).toBe(204);
    expect((await sendChecked(evergate, "GET", `/api/products/${fresh.id}`)).status).toBe(404);
  });

  it("access events and stats", async () => {
    const { author, owner, product, ownerLink } = world;
    for (const path of [
      `/api/links/${ownerLink.id}/events?limit=5&outcome=granted`,
      `/api/links/${ownerLink.id}/events/export`,
      `/api/links/${ownerLink.id}/stats?days=1`,
    ]) {
      expect((await sendChecked(evergate, "GET", path, { token: owner.token })).status, path).toBe(200);
    }
    expect(
      (await sendChecked(evergate, "GET", `/api/products/${product.id}/stats`, { token: author.token }))
        .status,
    ).toBe(200);
    expect(
      (
        await sendChecked(evergate, "GET", `/api/products/${product.id}/stats?days=91`, {
          token: author.token,
        })
      ).status,
    ).toBe(400);
  });

  it("webhooks", async () => {
    const { owner, stranger } = world;
    const created = await sendChecked(evergate, "POST", "/api/webhooks", {
      token: owner.token,
      ...jsonBody({ url: "https://hooks.example.com/contract", eventTypes: ["link.downloaded"] }),
    });
    expect(created.status).toBe(201);
    const { id } = JSON.parse(created.body) as { id: string };
    expect((await sendChecked(evergate, "GET", "/api/webhooks", { token: owner.token })).status).toBe(200);
    expect((await sendChecked(evergate, "GET", `/api/webhooks/${id}`, { token: owner.token })).status).toBe(
      200,
    );
    expect(
      (await sendChecked(evergate, "GET", `/api/webhooks/${id}`, { token: stranger.token })).status,
    ).toBe(404);
    expect(
      (
        await sendChecked(evergate, "PATCH", `/api/webhooks/${id}`, {
          token: owner.token,
          ...jsonBody({ eventTypes: ["link.created", "order.created"] }),
        })
      ).status,
    ).toBe(200);
    expect(
      (await sendChecked(evergate, "POST", `/api/webhooks/${id}/rotate-secret`, { token: owner.token }))
        .status,
    ).toBe(200);
    const ping = await sendChecked(evergate, "POST", `/api/webhooks/${id}/ping`, { token: owner.token });
    expect(ping.status).toBe(202);
    const { id: deliveryId } = JSON.parse(ping.body) as { id: string };
    expect(
      (await sendChecked(evergate, "GET", `/api/webhooks/${id}/deliveries`, { token: owner.token })).status,
    ).toBe(200);
    expect(
      (
        await sendChecked(evergate, "POST", `/api/webhooks/${id}/deliveries/${deliveryId}/redeliver`, {
          token: owner.token,
        })
      ).status,
    ).toBe(202);
    expect(
      (await sendChecked(evergate, "DELETE", `/api/webhooks/${id}`, { token: owner.token })).status,
    ).toBe(204);
  });

  it("the administrators' report", async () => {
    const admin = await evergate.newUser("contract-admin");
    await evergate.stack.addUserToGroup(admin.username, "admin");
    const { accessToken } = await evergate.stack.login(admin.username, "Password.1");
    const report = await sendChecked(evergate, "GET", "/api/admin/links-out-of-policy?limit=5", {
      token: accessToken,
    });
    expect(report.status).toBe(200);
    expect(
      (await sendChecked(evergate, "GET", "/api/admin/links-out-of-policy", { token: world.author.token }))
        .status,
    ).toBe(403);
  });

  it("covered every operation with a success answer", () => {
    const withoutSuccess = operations
      .filter((op) => ![...(seen.get(op.operationId) ?? [])].some((status) => status < 400))
      .map((op) => op.operationId);
    expect(withoutSuccess).toEqual([]);
    const documentedSuccesses = operations.flatMap((op) =>
      [...op.responses.keys()]
        .filter((status) => status < 400 && !(op.operationId === "getHealth" && status === 503))
        .map((status) => `${op.operationId} ${status}`),
    );
    const missing = documentedSuccesses.filter((entry) => {
      const [id, status] = entry.split(" ");
      return !seen.get(id ?? "")?.has(Number(status));
    });
    expect(missing).toEqual([]);
  });
});
