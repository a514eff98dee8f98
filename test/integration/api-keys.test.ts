import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";

let evergate: TestEvergate;
let seller: TestUser;
let product: TestProduct;

beforeAll(async () => {
  evergate = await startTestEvergate();
  seller = await evergate.newUser("seller");
  product = await evergate.createProduct(seller, { title: "Sold by a backend" });
});
afterAll(() => evergate?.stop());

async function createKey(scopes: string[], name = "backend") {
  const response = await evergate.request("POST", "/api/keys", {
    token: seller.token,
    json: { name, scopes },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return json<{ id: string; key: string; keyHint: string; scopes: string[] }>(response);
}

describe("API keys", () => {
  it("are shown once, listed by hint, and act as their owner", async () => {
    const created = await createKey(["links:write", "links:read"]);
    expect(created.key).toMatch(/^evk_[0-9A-Za-z]{34}$/);
    const listed = await json<{ items: Array<Record<string, unknown>> }>(
      await evergate.request("GET", "/api/keys", { token: seller.token }),
    );
    expect(listed.items[0]).toMatchObject({
      id: created.id,
      keyHint: created.key.slice(-4),
      status: "active",
      name: "backend",
    });
    expect(JSON.stringify(listed)).not.toContain(created.key);
    const me = await json(await evergate.request("GET", "/api/me", { token: created.key }));
    expect(me).toEqual({ id: seller.userId, username: seller.username, via: "apiKey" });
  });

  it("a key with an expiry works until then and is a 401 after it, shown as expired; a past expiry is refused", async () => {
    const expiresAt = new Date(Date.now() + 2_500).toISOString();
    const created = await evergate.request("POST", "/api/keys", {
      token: seller.token,
      json: { name: "short-lived", scopes: ["links:read"], expiresAt },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { id, key } = await json<{ id: string; key: string }>(created);
    expect((await evergate.request("GET", "/api/links", { token: key })).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 100));
    const refused = await evergate.request("GET", "/api/links", { token: key });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    const listed = await json<{ items: Array<{ id: string; status: string; expiresAt?: string }> }>(
      await evergate.request("GET", "/api/keys?limit=100", { token: seller.token }),
    );
    expect(listed.items.find((item) => item.id === id)).toMatchObject({ status: "expired", expiresAt });

    const past = await evergate.request("POST", "/api/keys", {
      token: seller.token,
      json: {
        name: "already over",
        scopes: ["links:read"],
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      },
    });
    expect(past.status).toBe(400);
    expect(past.headers.get("content-type")).toContain("application/problem+json");
  });

  it("links:write reaches every deliverable its owner may download, as documented: each product sold or bought, not one", async () => {
    // Prepare: the owner sells three products and bought one; a stranger's product is out of reach
    const other = await evergate.newUser("other-seller");
    const bought = await evergate.createProduct(other, { title: "Bought by the key's owner", amount: 0 });
    const notMine = await evergate.createProduct(other, { title: "Never bought" });
    expect(
      (await evergate.request("POST", `/api/products/${bought.id}/orders`, { token: seller.token })).status,
    ).toBeLessThan(300);
    const sold = [product, ...(await Promise.all([1, 2].map(() => evergate.createProduct(seller))))];
    const { key } = await createKey(["links:write"], "one product only?");

    // Act + Assess: one key, links to all four; the stranger's product stays a 404
    for (const target of [...sold, bought]) {
      const response = await evergate.request("POST", "/api/links", {
        token: key,
        json: { productId: target.id },
      });
      expect(response.status).toBe(201);
    }
    const refused = await evergate.request("POST", "/api/links", {
      token: key,
      json: { productId: notMine.id },
    });
    expect(refused.status).toBe(404);
    // The reach is stated where a key is made: the contract's description of the scopes.
    const openapi = readFileSync(new URL("../../openapi.yaml", import.meta.url), "utf8");
    expect(openapi).toContain("to **every** deliverable its owner may download");
  });

  it("let a seller's backend mint download links for a customer", async () => {
    const { key } = await createKey(["links:write"]);
    const response = await evergate.request("POST", "/api/links", {
      token: key,
      json: { productId: product.id, recipient: "customer@example.com", maxDownloads: 3 },
    });
    expect(response.status).toBe(201);
    const link = await json<{ token: string; recipient: string }>(response);
    expect(link.recipient).toBe("customer@example.com");
    // A limited link: the customer's program asks with a POST (curl -L -d '' URL).
    const redirect = await evergate.request("POST", `/l/${link.token}`);
    expect(redirect.status).toBe(303);
    expect(new Uint8Array(await (await fetch(redirect.headers.get("location") ?? "")).arrayBuffer())).toEqual(
      product.deliverableBytes,
    );
    const seen = await evergate.request("GET", "/api/me", { token: key });
    expect(seen.status).toBe(200);
    const keys = await json<{ items: Array<{ lastUsedAt?: string }> }>(
      await evergate.request("GET", "/api/keys", { token: seller.token }),
    );
    expect(keys.items[0]?.lastUsedAt).toEqual(expect.any(String));
  });

  it("are limited to their scopes (403 insufficient_scope)", async () => {
    const { key } = await createKey(["links:read"]);
    const refused = await evergate.request("POST", "/api/links", {
      token: key,
      json: { productId: product.id },
    });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ code: "insufficient_scope" });
    expect((await evergate.request("GET", "/api/links", { token: key })).status).toBe(200);
    expect((await evergate.request("GET", "/api/me/orders", { token: key })).status).toBe(403);
    expect(
      (
        await evergate.request("POST", "/api/uploads", {
          token: key,
          json: { kind: "deliverable", contentType: "text/plain", size: 1, filename: "a" },
        })
      ).status,
    ).toBe(403);
  });

  it("cannot manage keys: only a signed-in person can", async () => {
    const { key, id } = await createKey([
      "links:write",
      "links:read",
      "products:read",
      "products:write",
      "orders:read",
      "orders:write",
    ]);
    expect(
      (
        await evergate.request("POST", "/api/keys", {
          token: key,
          json: { name: "more", scopes: ["links:read"] },
        })
      ).status,
    ).toBe(403);
    expect((await evergate.request("GET", "/api/keys", { token: key })).status).toBe(403);
    expect((await evergate.request("DELETE", `/api/keys/${id}`, { token: key })).status).toBe(403);
  });

  it("stop working the moment they are revoked", async () => {
    const { key, id } = await createKey(["links:read"]);
    expect((await evergate.request("GET", "/api/links", { token: key })).status).toBe(200);
    const revoked = await evergate.request("DELETE", `/api/keys/${id}`, { token: seller.token });
    expect(revoked.status).toBe(200);
    expect(await json(revoked)).toMatchObject({ status: "revoked" });
    expect((await evergate.request("GET", "/api/links", { token: key })).status).toBe(401);
  });

  it("of someone else cannot be seen or revoked (404)", async () => {
    const { id, key } = await createKey(["links:read"]);
    const stranger = await evergate.newUser("stranger");
    expect((await evergate.request("DELETE", `/api/keys/${id}`, { token: stranger.token })).status).toBe(404);
    const theirs = await json<{ items: unknown[] }>(
      await evergate.request("GET", "/api/keys", { token: stranger.token }),
    );
    expect(theirs.items).toEqual([]);
    expect((await evergate.request("GET", "/api/links", { token: key })).status).toBe(200);
  });

  it("that are malformed, mistyped or made up are refused with 401", async () => {
    const { key } = await createKey(["links:read"]);
    for (const bad of [
      `${key.slice(0, -1)}${key.endsWith("x") ? "y" : "x"}`,
      `evk_${"A".repeat(28)}`,
      "evk_short",
      key.replace("evk_", "evg_"),
    ]) {
      expect((await evergate.request("GET", "/api/links", { token: bad })).status, bad).toBe(401);
    }
  });

  it("validate name and scopes", async () => {
    for (const body of [
      { name: "", scopes: ["links:read"] },
      { name: "x", scopes: [] },
      { name: "x", scopes: ["admin"] },
      { name: "x", scopes: ["links:read", "links:read"] },
    ]) {
      expect(
        (await evergate.request("POST", "/api/keys", { token: seller.token, json: body })).status,
        JSON.stringify(body),
      ).toBe(400);
    }
  });

  it("learn whether their owner bought a product only with orders:read", async () => {
    const { key: linksOnly } = await createKey(["links:read"]);
    const { key: orders } = await createKey(["orders:read"]);
    const plain = await json(
      await evergate.request("GET", `/api/products/${product.id}`, { token: linksOnly }),
    );
    expect(plain).not.toHaveProperty("viewer");
    const withOrders = await json(
      await evergate.request("GET", `/api/products/${product.id}`, { token: orders }),
    );
    expect(withOrders).toMatchObject({ viewer: { isAuthor: true, hasBought: false } });
  });
});
