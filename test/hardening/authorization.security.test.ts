import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiKeyScope } from "#src/domain/scopes.ts";
import { filesApi } from "../support/files.ts";
import { startTestEvergate, type TestEvergate, testPng } from "../support/harness.ts";
import { contractViolations, operationFor } from "./contract.ts";
import { buildWorld, buy, createApiKey, createLink, send, type World } from "./fixtures.ts";

/**
 * Every resource route × every kind of caller → exactly the allowed answer. Callers:
 *   anonymous; stranger (signed in, no relation); author (wrote the product); owner (bought the
 *   product and made the link / placed the order); buyer (bought it too, but did not make the
 *   link); an API key of the route's natural holder with all scopes, with all but the needed one,
 *   and revoked. What a caller may not see is a 404 (never a 403); 403 is only a key lacking the
 *   scope (or any key on the routes only a person may use); 401 is a missing or revoked credential.
 * The JWT attacks themselves are in test/integration/auth.security.test.ts.
 */

const callers = [
  "anonymous",
  "stranger",
  "author",
  "owner",
  "buyer",
  "keyWithScope",
  "keyWithoutScope",
  "revokedKey",
] as const;
type Caller = (typeof callers)[number];

interface Row {
  name: string;
  method: string;
  /** The needed scope; "user" for routes only a signed-in person may use; undefined for none. */
  scope?: ApiKeyScope | "user";
  /** Whose keys stand for the key callers. */
  holder: "author" | "owner";
  /** Path and body for one caller; called once per caller, so destructive rows get fresh resources. */
  request: (
    w: World,
    caller: Caller,
  ) => Promise<{ path: string; body?: unknown }> | { path: string; body?: unknown };
  expected: [number, number, number, number, number, number, number, number];
}

let evergate: TestEvergate;
let world: World;

beforeAll(async () => {
  evergate = await startTestEvergate();
  world = await buildWorld(evergate);
});
afterAll(() => evergate?.stop());

function tokenOf(w: World, row: Row, caller: Caller): string | undefined {
  const keys = w.keys[row.holder];
  switch (caller) {
    case "anonymous":
      return undefined;
    case "stranger":
      return w.stranger.token;
    case "author":
      return w.author.token;
    case "owner":
      return w.owner.token;
    case "buyer":
      return w.otherBuyer.token;
    case "keyWithScope":
      return keys.full.key;
    case "keyWithoutScope":
      return row.scope && row.scope !== "user" ? keys.without[row.scope].key : keys.without["links:read"].key;
    case "revokedKey":
      return keys.revoked.key;
  }
}

const freshProduct = () => evergate.createProduct(world.author, { title: "Matrix" });
async function freshOwnerLink(w: World) {
  return createLink(evergate, w.owner, { productId: w.product.id, label: "matrix" });
}
async function freshUploads() {
  return {
    imageUploadId: await evergate.upload(world.author, "promoImage", testPng, "image/png", "m.png"),
    deliverableUploadId: await evergate.upload(
      world.author,
      "deliverable",
      new Uint8Array([7]),
      "text/plain",
      "m.txt",
    ),
  };
}

//                                         anon stranger author owner buyer keyWith keyWithout revoked
const rows: Row[] = [
  {
    name: "GET /api/me",
    method: "GET",
    holder: "author",
    request: () => ({ path: "/api/me" }),
    expected: [401, 200, 200, 200, 200, 200, 200, 401],
  },
  {
    name: "GET /api/health",
    method: "GET",
    holder: "author",
    request: () => ({ path: "/api/health" }),
    expected: [200, 200, 200, 200, 200, 200, 200, 401],
  },
  {
    name: "GET /api/config",
    method: "GET",
    holder: "author",
    request: () => ({ path: "/api/config" }),
    expected: [200, 200, 200, 200, 200, 200, 200, 401],
  },

  {
    name: "POST /api/links",
    method: "POST",
    scope: "links:write",
    holder: "author",
    request: (w) => ({ path: "/api/links", body: { productId: w.product.id } }),
    expected: [401, 404, 201, 201, 201, 201, 403, 401],
  },
  {
    name: "GET /api/links",
    method: "GET",
    scope: "links:read",
    holder: "author",
    request: () => ({ path: "/api/links" }),
    expected: [401, 200, 200, 200, 200, 200, 403, 401],
  },
  {
    name: "GET /api/links/{id}",
    method: "GET",
    scope: "links:read",
    holder: "author",
    request: (w) => ({ path: `/api/links/${w.ownerLink.id}` }),
    expected: [401, 404, 200, 200, 404, 200, 403, 401],
  },
  {
    name: "PATCH /api/links/{id}",
    method: "PATCH",
    scope: "links:write",
    holder: "owner",
    request: (w) => ({ path: `/api/links/${w.ownerLink.id}`, body: { label: "patched" } }),
    expected: [401, 404, 404, 200, 404, 200, 403, 401],
  },
  {
    name: "DELETE /api/links/{id}",
    method: "DELETE",
    scope: "links:write",
    holder: "author",
    request: async (w) => ({ path: `/api/links/${(await freshOwnerLink(w)).id}` }),
    expected: [401, 404, 200, 200, 404, 200, 403, 401],
  },
  {
    name: "POST /api/links/{id}/rotate",
    method: "POST",
    scope: "links:write",
    holder: "owner",
    request: async (w) => ({ path: `/api/links/${(await freshOwnerLink(w)).id}/rotate` }),
    expected: [401, 404, 404, 201, 404, 201, 403, 401],
  },
  {
    name: "GET /api/products/{id}/links",
    method: "GET",
    scope: "links:read",
    holder: "author",
    request: (w) => ({ path: `/api/products/${w.product.id}/links` }),
    expected: [401, 404, 200, 404, 404, 200, 403, 401],
  },
  {
    name: "GET /api/links/{id}/events",
    method: "GET",
    scope: "links:read",
    holder: "author",
    request: (w) => ({ path: `/api/links/${w.ownerLink.id}/events?outcome=granted` }),
    expected: [401, 404, 200, 200, 404, 200, 403, 401],
  },
  {
    name: "GET /api/links/{id}/events/export",
    method: "GET",
    scope: "links:read",
    holder: "owner",
    request: (w) => ({ path: `/api/links/${w.ownerLink.id}/events/export` }),
    expected: [401, 404, 200, 200, 404, 200, 403, 401],
  },
  {
    name: "GET /api/links/{id}/stats",
    method: "GET",
    scope: "links:read",
    holder: "owner",
    request: (w) => ({ path: `/api/links/${w.ownerLink.id}/stats?days=7` }),
    expected: [401, 404, 200, 200, 404, 200, 403, 401],
  },
  {
    name: "GET /api/products/{id}/stats",
    method: "GET",
    scope: "links:read",
    holder: "author",
    request: (w) => ({ path: `/api/products/${w.product.id}/stats` }),
    expected: [401, 404, 200, 404, 404, 200, 403, 401],
  },

  {
    name: "POST /api/keys",
    method: "POST",
    scope: "user",
    holder: "author",
    request: () => ({ path: "/api/keys", body: { name: "matrix", scopes: ["links:read"] } }),
    expected: [401, 201, 201, 201, 201, 403, 403, 401],
  },
  {
    // Only a user whose token names the Cognito group admin (test/integration/admin-report.security.test.ts).
    name: "GET /api/admin/links-out-of-policy",
    method: "GET",
    scope: "user",
    holder: "author",
    request: () => ({ path: "/api/admin/links-out-of-policy" }),
    expected: [401, 403, 403, 403, 403, 403, 403, 401],
  },
  {
    name: "GET /api/keys",
    method: "GET",
    scope: "user",
    holder: "author",
    request: () => ({ path: "/api/keys" }),
    expected: [401, 200, 200, 200, 200, 403, 403, 401],
  },
  {
    name: "DELETE /api/keys/{id}",
    method: "DELETE",
    scope: "user",
    holder: "author",
    request: async (w) => ({
      path: `/api/keys/${(await createApiKey(evergate, w.author, ["links:read"])).id}`,
    }),
    expected: [401, 404, 200, 404, 404, 403, 403, 401],
  },
  {
    name: "POST /api/keys/{id}/rotate",
    method: "POST",
    scope: "user",
    holder: "author",
    request: async (w) => ({
      path: `/api/keys/${(await createApiKey(evergate, w.author, ["links:read"])).id}/rotate`,
    }),
    expected: [401, 404, 200, 404, 404, 403, 403, 401],
  },

  {
    name: "GET /api/products",
    method: "GET",
    holder: "author",
    request: () => ({ path: "/api/products" }),
    expected: [200, 200, 200, 200, 200, 200, 200, 401],
  },
  {
    name: "GET /api/me/products",
    method: "GET",
    scope: "products:read",
    holder: "author",
    request: () => ({ path: "/api/me/products" }),
    expected: [401, 200, 200, 200, 200, 200, 403, 401],
  },
  {
    name: "GET /api/products/{id}",
    method: "GET",
    holder: "author",
    request: (w) => ({ path: `/api/products/${w.product.id}` }),
    expected: [200, 200, 200, 200, 200, 200, 200, 401],
  },
  {
    name: "GET /api/products/{id}/image",
    method: "GET",
    holder: "author",
    request: (w) => ({ path: `/api/products/${w.product.id}/image` }),
    expected: [302, 302, 302, 302, 302, 302, 302, 401],
  },
  {
    name: "GET /api/products/{id}/download",
    method: "GET",
    scope: "products:read",
    holder: "owner",
    request: (w) => ({ path: `/api/products/${w.product.id}/download` }),
    expected: [401, 404, 302, 302, 302, 302, 403, 401],
  },
  {
    name: "POST /api/products (with the author's uploads)",
    method: "POST",
    scope: "products:write",
    holder: "author",
    request: async () => ({
      path: "/api/products",
      body: {
        title: "M",
        description: "D",
        price: { amount: 1, currency: "EUR" },
        ...(await freshUploads()),
      },
    }),
    expected: [401, 404, 201, 404, 404, 201, 403, 401],
  },
  {
    name: "PATCH /api/products/{id}",
    method: "PATCH",
    scope: "products:write",
    holder: "author",
    request: (w) => ({
      path: `/api/products/${w.product.id}`,
      body: { description: "Edited by the matrix." },
    }),
    expected: [401, 404, 200, 404, 404, 200, 403, 401],
  },
  {
    name: "DELETE /api/products/{id}",
    method: "DELETE",
    scope: "products:write",
    holder: "author",
    request: async () => ({ path: `/api/products/${(await freshProduct()).id}` }),
    expected: [401, 404, 204, 404, 404, 204, 403, 401],
  },

  {
    name: "POST /api/products/{id}/orders",
    method: "POST",
    scope: "orders:write",
    holder: "owner",
    request: async () => ({ path: `/api/products/${(await freshProduct()).id}/orders` }),
    expected: [401, 201, 409, 201, 201, 201, 403, 401],
  },
  {
    name: "GET /api/me/orders",
    method: "GET",
    scope: "orders:read",
    holder: "owner",
    request: () => ({ path: "/api/me/orders" }),
    expected: [401, 200, 200, 200, 200, 200, 403, 401],
  },
  {
    name: "GET /api/me/sales",
    method: "GET",
    scope: "orders:read",
    holder: "author",
    request: () => ({ path: "/api/me/sales" }),
    expected: [401, 200, 200, 200, 200, 200, 403, 401],
  },
  {
    name: "POST /api/orders/{id}/refund",
    method: "POST",
    scope: "orders:write",
    holder: "author",
    request: async (w) => {
      const product = await freshProduct();
      const order = await buy(evergate, w.owner, product.id);
      return { path: `/api/orders/${order.id}/refund` };
    },
    expected: [401, 404, 200, 404, 404, 200, 403, 401],
  },

  {
    name: "POST /api/uploads",
    method: "POST",
    scope: "products:write",
    holder: "author",
    request: () => ({
      path: "/api/uploads",
      body: { kind: "deliverable", contentType: "text/plain", size: 10, filename: "m.txt" },
    }),
    expected: [401, 201, 201, 201, 201, 201, 403, 401],
  },

  {
    name: "POST /api/files",
    method: "POST",
    scope: "files:write",
    holder: "owner",
    request: () => ({ path: "/api/files", body: { filename: "m.txt", contentType: "text/plain", size: 10 } }),
    expected: [401, 201, 201, 201, 201, 201, 403, 401],
  },
  {
    name: "GET /api/files",
    method: "GET",
    scope: "files:read",
    holder: "owner",
    request: () => ({ path: "/api/files" }),
    expected: [401, 200, 200, 200, 200, 200, 403, 401],
  },
  {
    name: "GET /api/files/{id}",
    method: "GET",
    scope: "files:read",
    holder: "owner",
    request: (w) => ({ path: `/api/files/${w.ownerFile}` }),
    expected: [401, 404, 404, 200, 404, 200, 403, 401],
  },
  {
    name: "POST /api/files/{id}/complete",
    method: "POST",
    scope: "files:write",
    holder: "owner",
    request: (w) => ({ path: `/api/files/${w.ownerFile}/complete`, body: {} }),
    expected: [401, 404, 404, 200, 404, 200, 403, 401],
  },
  {
    name: "POST /api/links (a file)",
    method: "POST",
    scope: "files:read",
    holder: "owner",
    request: (w) => ({ path: "/api/links", body: { fileId: w.ownerFile } }),
    expected: [401, 404, 404, 201, 404, 201, 403, 401],
  },
  {
    name: "DELETE /api/files/{id}",
    method: "DELETE",
    scope: "files:write",
    holder: "owner",
    request: async (w) => ({
      path: `/api/files/${await filesApi(evergate).upload(w.owner.token, new Uint8Array([1]))}`,
    }),
    expected: [401, 404, 404, 204, 404, 204, 403, 401],
  },
];

const codeFor: Record<number, string> = {
  401: "unauthorized",
  403: "insufficient_scope",
  404: "not_found",
  409: "conflict",
};

describe("every resource route × every kind of caller", () => {
  it.each(rows.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    const outcomes: Record<string, number> = {};
    const expected: Record<string, number> = {};
    for (const [index, caller] of callers.entries()) {
      const { path, body } = await row.request(world, caller);
      const token = tokenOf(world, row, caller);
      const answer = await send(evergate, row.method, path, {
        token,
        ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: "application/json" }),
      });
      outcomes[caller] = answer.status;
      expected[caller] = row.expected[index] ?? 0;
      const op = operationFor(row.method, path);
      expect(op, path).toBeDefined();
      if (op) expect(contractViolations(op, answer), `${caller}: ${answer.body}`).toEqual([]);
      if (answer.status >= 400) {
        expect(JSON.parse(answer.body).code, `${caller} ${answer.body}`).toBe(codeFor[answer.status]);
      }
    }
    expect(outcomes).toEqual(expected);
  });
});

describe("what a caller may not see looks exactly like what does not exist", () => {
  const madeUpLink = "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg";
  const madeUpProduct = "ZZZZZZZZZZZZZZZZ";
  const madeUpFile = "evf_aZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
  const probes: Array<[string, string, (w: World) => string, string, unknown?]> = [
    ["GET", "link", (w) => `/api/links/${w.ownerLink.id}`, `/api/links/${madeUpLink}`],
    ["PATCH", "link", (w) => `/api/links/${w.ownerLink.id}`, `/api/links/${madeUpLink}`, { label: "x" }],
    ["DELETE", "link", (w) => `/api/links/${w.ownerLink.id}`, `/api/links/${madeUpLink}`],
    ["POST", "link rotate", (w) => `/api/links/${w.ownerLink.id}/rotate`, `/api/links/${madeUpLink}/rotate`],
    ["GET", "link events", (w) => `/api/links/${w.ownerLink.id}/events`, `/api/links/${madeUpLink}/events`],
    [
      "GET",
      "link events export",
      (w) => `/api/links/${w.ownerLink.id}/events/export`,
      `/api/links/${madeUpLink}/events/export`,
    ],
    ["GET", "link stats", (w) => `/api/links/${w.ownerLink.id}/stats`, `/api/links/${madeUpLink}/stats`],
    [
      "GET",
      "product stats",
      (w) => `/api/products/${w.product.id}/stats`,
      `/api/products/${madeUpProduct}/stats`,
    ],
    [
      "GET",
      "product links",
      (w) => `/api/products/${w.product.id}/links`,
      `/api/products/${madeUpProduct}/links`,
    ],
    [
      "GET",
      "download",
      (w) => `/api/products/${w.product.id}/download`,
      `/api/products/${madeUpProduct}/download`,
    ],
    [
      "PATCH",
      "product",
      (w) => `/api/products/${w.product.id}`,
      `/api/products/${madeUpProduct}`,
      { title: "x" },
    ],
    ["DELETE", "product", (w) => `/api/products/${w.product.id}`, `/api/products/${madeUpProduct}`],
    [
      "POST",
      "refund",
      (w) => `/api/orders/${w.orderId}/refund`,
      `/api/orders/${madeUpProduct}_nobody/refund`,
    ],
    ["DELETE", "API key", (w) => `/api/keys/${w.keys.author.full.id}`, `/api/keys/${madeUpLink}`],
    [
      "POST",
      "API key rotation",
      (w) => `/api/keys/${w.keys.author.full.id}/rotate`,
      `/api/keys/${madeUpLink}/rotate`,
    ],
    ["POST", "link to a product", () => "/api/links", "/api/links", "productId"],
    ["GET", "file", (w) => `/api/files/${w.ownerFile}`, `/api/files/${madeUpFile}`],
    ["DELETE", "file", (w) => `/api/files/${w.ownerFile}`, `/api/files/${madeUpFile}`],
    [
      "POST",
      "file complete",
      (w) => `/api/files/${w.ownerFile}/complete`,
      `/api/files/${madeUpFile}/complete`,
      {},
    ],
    ["POST", "link to a file", () => "/api/links", "/api/links", "fileId"],
  ];

  it.each(probes)(
    "%s %s: a stranger's 404 equals the 404 for a made-up id",
    async (method, _what, real, madeUp, body) => {
      const payload = (path: string) =>
        body === "productId"
          ? {
              body: JSON.stringify({ productId: path === real(world) ? world.product.id : madeUpProduct }),
              contentType: "application/json",
            }
          : body === "fileId"
            ? {
                body: JSON.stringify({ fileId: path === real(world) ? world.ownerFile : madeUpFile }),
                contentType: "application/json",
              }
            : body === undefined
              ? {}
              : { body: JSON.stringify(body), contentType: "application/json" };
      const hidden = await send(evergate, method, real(world), {
        token: world.stranger.token,
        ...payload(real(world)),
      });
      const missing = await send(evergate, method, madeUp, {
        token: world.stranger.token,
        ...payload("made-up"),
      });
      expect(hidden.status).toBe(404);
      const strip = (text: string) => ({ ...JSON.parse(text), requestId: undefined });
      expect(strip(hidden.body)).toEqual(strip(missing.body));
      expect([...hidden.headers.keys()].sort()).toEqual([...missing.headers.keys()].sort());
    },
  );

  it("a refunded buyer loses the download like a stranger (404), and their links stop (410)", async () => {
    const product = await freshProduct();
    const order = await buy(evergate, world.stranger, product.id);
    const link = await createLink(evergate, world.stranger, { productId: product.id });
    const refund = await send(evergate, "POST", `/api/orders/${order.id}/refund`, {
      token: world.author.token,
    });
    expect(refund.status).toBe(200);
    const download = await send(evergate, "GET", `/api/products/${product.id}/download`, {
      token: world.stranger.token,
    });
    expect(download.status).toBe(404);
    await evergate.linkJobsSettled();
    expect((await send(evergate, "GET", `/l/${link.token}`)).status).toBe(410);
    const again = await send(evergate, "POST", "/api/links", {
      token: world.stranger.token,
      body: JSON.stringify({ productId: product.id }),
      contentType: "application/json",
    });
    expect(again.status).toBe(404);
  });
});
