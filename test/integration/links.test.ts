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
let buyer: TestUser;
let stranger: TestUser;
let product: TestProduct;

beforeAll(async () => {
  evergate = await startTestEvergate();
  [seller, buyer, stranger] = await Promise.all([
    evergate.newUser("seller"),
    evergate.newUser("buyer"),
    evergate.newUser("stranger"),
  ]);
  product = await evergate.createProduct(seller, { title: "Linked thing", filename: "report.txt" });
  expect(
    (await evergate.request("POST", `/api/products/${product.id}/orders`, { token: buyer.token })).status,
  ).toBe(201);
});
afterAll(() => evergate?.stop());

type CreatedLink = {
  id: string;
  token: string;
  url: string;
  status: string;
  tokenHint: string;
  [k: string]: unknown;
};

async function createLink(user: TestUser, body: Record<string, unknown> = {}): Promise<CreatedLink> {
  const response = await evergate.request("POST", "/api/links", {
    token: user.token,
    json: { productId: product.id, ...body },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return json<CreatedLink>(response);
}

const follow = (token: string, headers: Record<string, string> = {}) =>
  evergate.request("GET", `/l/${token}`, { headers });

describe("POST /api/links", () => {
  it("gives a buyer a permanent link whose token is shown once and stored only as a hash", async () => {
    const link = await createLink(buyer, { label: "for my laptop" });
    expect(link.token).toMatch(/^evg_[0-9A-Za-z]{34}$/);
    expect(link.url).toBe(`http://localhost:${evergate.port}/l/${link.token}`);
    expect(link.tokenHint).toBe(link.token.slice(-4));
    expect(link.status).toBe("active");
    const fetched = await json(
      await evergate.request("GET", `/api/links/${link.id}`, { token: buyer.token }),
    );
    expect(fetched).not.toHaveProperty("token");
    expect(JSON.stringify(fetched)).not.toContain(link.token);
    const stored = await evergate.deps.stores.links.get(link.id);
    expect(JSON.stringify(stored)).not.toContain(link.token);
  });

  it("lets the author link their own product", async () => {
    await createLink(seller);
  });

  it("answers 404 to someone who neither wrote nor bought the product", async () => {
    const response = await evergate.request("POST", "/api/links", {
      token: stranger.token,
      json: { productId: product.id },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  it("refuses an expiry in the past and a non-positive download limit", async () => {
    for (const body of [
      { expiresAt: "2001-01-01T00:00:00Z" },
      { maxDownloads: 0 },
      { maxDownloads: 1.5 },
      { label: "a\r\nb" },
    ]) {
      const response = await evergate.request("POST", "/api/links", {
        token: buyer.token,
        json: { productId: product.id, ...body },
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe("GET /l/{token}", () => {
  it("redirects to a fresh presigned URL whose bytes are the uploaded bytes, and counts the download", async () => {
    const link = await createLink(buyer);
    const response = await follow(link.token);
    expect(response.status).toBe(302);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    const location = response.headers.get("location") ?? "";
    expect(location).toContain("X-Amz-Signature=");
    expect(location).toContain("X-Amz-Expires=300");
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(product.deliverableBytes);
    expect(file.headers.get("content-disposition")).toBe(
      `attachment; filename="report.txt"; filename*=UTF-8''report.txt`,
    );
    const view = await json(await evergate.request("GET", `/api/links/${link.id}`, { token: buyer.token }));
    expect(view).toMatchObject({ downloadCount: 1, status: "active" });
    expect(view.lastDownloadAt).toEqual(expect.any(String));
  });

  it("uses the link's own filename, safely encoded, in Content-Disposition", async () => {
    const link = await createLink(buyer, { filename: `été "quoted"; (1)!'*.txt` });
    const location = (await follow(link.token)).headers.get("location") ?? "";
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toBe(
      `attachment; filename="_t_ _quoted_; (1)!'*.txt"; filename*=UTF-8''%C3%A9t%C3%A9%20%22quoted%22%3B%20%281%29!%27%2A.txt`,
    );
  });

  it("answers 404 for malformed and unknown tokens, in the same shape", async () => {
    const link = await createLink(buyer);
    const unknown = `evg_${"A".repeat(28)}`;
    const nearMiss = link.token.slice(0, -1) + (link.token.endsWith("A") ? "B" : "A");
    const bodies = [];
    for (const token of ["nope", unknown, nearMiss, link.id, `evk_${link.token.slice(4)}`]) {
      const response = await follow(token);
      expect(response.status, token).toBe(404);
      const body = await json(response);
      bodies.push(Object.keys(body).sort().join(","), body.detail);
    }
    expect(new Set(bodies.filter((_, i) => i % 2 === 1)).size).toBe(1);
  });

  it("answers 410 once revoked, expired or used up; HTML for browsers", async () => {
    const revoked = await createLink(buyer);
    await evergate.request("DELETE", `/api/links/${revoked.id}`, { token: buyer.token });
    const gone = await follow(revoked.token);
    expect(gone.status).toBe(410);
    expect(await json(gone)).toMatchObject({ code: "link_gone" });
    const page = await follow(revoked.token, { accept: "text/html" });
    expect(page.status).toBe(410);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");

    const once = await createLink(buyer, { maxDownloads: 1 });
    expect((await evergate.request("POST", `/l/${once.token}`)).status).toBe(303);
    // Another client: the one that downloaded would be inside its resume grace.
    const usedUp = await evergate.request("POST", `/l/${once.token}`, {
      headers: { "user-agent": "other/1" },
    });
    expect(usedUp.status).toBe(410);
    expect(await json(usedUp)).toMatchObject({
      reason: "exhausted",
      detail: "This link has no downloads left.",
    });

    const soon = await createLink(buyer, { expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await follow(soon.token)).status).toBe(302);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await follow(soon.token)).status).toBe(410);
  });

  it("counts exactly maxDownloads under concurrent asks by distinct clients", async () => {
    const link = await createLink(buyer, { maxDownloads: 7 });
    const statuses = await Promise.all(
      Array.from({ length: 60 }, (_, n) =>
        evergate
          .request("POST", `/l/${link.token}`, { headers: { "user-agent": `client/${n}` } })
          .then((r) => r.status),
      ),
    );
    expect(
      statuses.filter((s) => s === 303),
      JSON.stringify(statuses),
    ).toHaveLength(7);
    expect(statuses.filter((s) => s === 410)).toHaveLength(53);
    expect(
      await json(await evergate.request("GET", `/api/links/${link.id}`, { token: buyer.token })),
    ).toMatchObject({
      downloadCount: 7,
      status: "exhausted",
    });
  });

  it("never lets previews, prefetches or HEAD use up a one-time link", async () => {
    const link = await createLink(buyer, { maxDownloads: 1 });
    const previews: Array<Record<string, string>> = [
      { "user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", accept: "text/html" },
      { "user-agent": "facebookexternalhit/1.1", accept: "*/*" },
      { "user-agent": "Mozilla/5.0 (compatible; Discordbot/2.0)" },
      { "user-agent": "Mozilla/5.0 Chrome/131", accept: "text/html", "sec-purpose": "prefetch" },
      { "user-agent": "Mozilla/5.0 Chrome/131", accept: "text/html", purpose: "prefetch" },
    ];
    for (const headers of previews) {
      const response = await follow(link.token, headers);
      expect(response.status, JSON.stringify(headers)).toBe(200);
      expect(response.headers.get("location")).toBeNull();
      const body = await response.text();
      expect(body).not.toContain("X-Amz-Signature");
    }
    const head = await evergate.request("HEAD", `/l/${link.token}`);
    expect(head.status).toBe(200);
    // A browser gets a confirm page; only its POST counts.
    const confirm = await follow(link.token, {
      accept: "text/html,application/xhtml+xml",
      "user-agent": "Mozilla/5.0 Chrome/131",
    });
    expect(confirm.status).toBe(200);
    const html = await confirm.text();
    expect(html).toContain('<form method="post">');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect((await evergate.deps.stores.links.get(link.id))?.downloadCount).toBe(0);
    const post = await evergate.request("POST", `/l/${link.token}`, { headers: { accept: "*/*" } });
    expect(post.status).toBe(303);
    expect(post.headers.get("location")).toContain("X-Amz-Signature=");
    expect((await evergate.deps.stores.links.get(link.id))?.downloadCount).toBe(1);
    const other = { "user-agent": "another-client/1" };
    expect((await evergate.request("POST", `/l/${link.token}`, { headers: other })).status).toBe(410);
    expect((await evergate.request("HEAD", `/l/${link.token}`)).status).toBe(410);
  });

  it("sends every client straight to the file for an unlimited link", async () => {
    const link = await createLink(buyer);
    for (const agent of [
      "curl/8.5.0",
      "Go-http-client/1.1",
      "python-requests/2.32",
      "Mozilla/5.0 Chrome/131",
    ]) {
      const response = await follow(link.token, { "user-agent": agent, accept: "*/*" });
      expect(response.status, agent).toBe(302);
    }
  });

  it("never lets a GET spend a limited link: unlisted fetchers get a 409 saying to POST", async () => {
    const link = await createLink(buyer, { maxDownloads: 1 });
    const fetchers: Array<Record<string, string>> = [
      { "user-agent": "curl/8.5.0", accept: "*/*" },
      { "user-agent": "Wget/1.21.4", accept: "*/*" },
      { "user-agent": "Go-http-client/1.1" },
      { "user-agent": "python-requests/2.32.3", accept: "*/*" },
      { "user-agent": "Java/21.0.2", accept: "*/*" },
      { "user-agent": "okhttp/4.12.0" },
      { "user-agent": "node" },
      {},
    ];
    for (let round = 0; round < 20; round++) {
      for (const headers of fetchers) {
        const response = await follow(link.token, headers);
        expect(response.status, JSON.stringify(headers)).toBe(409);
        if (round === 0) {
          expect(await json(response)).toMatchObject({
            code: "confirmation_required",
            detail: expect.stringContaining("curl -L -d '' URL"),
          });
        } else await response.body?.cancel();
      }
    }
    expect((await evergate.deps.stores.links.get(link.id))?.downloadCount).toBe(0);
    // The one-line way: curl -L -d '' URL (a POST), the one download.
    const post = await evergate.request("POST", `/l/${link.token}`, {
      headers: { "user-agent": "curl/8.5.0" },
    });
    expect(post.status).toBe(303);
    expect((await evergate.deps.stores.links.get(link.id))?.downloadCount).toBe(1);
  }, 120_000);

  it("is refused by S3 when the presigned URL is tampered with", async () => {
    const link = await createLink(buyer);
    const location = (await follow(link.token)).headers.get("location") ?? "";
    const tampered = location.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, c) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`,
    );
    expect((await fetch(tampered)).status).toBe(403);
    const otherKey = location.replace(/\/files\/[^/]+\/[^?]+/, "/files/other/key");
    expect((await fetch(otherKey)).status).toBe(403);
  });
});

describe("managing links", () => {
  it("GET /api/products/{id}/links names the buyer who made each link, and a rotated link keeps the name", async () => {
    // Prepare
    const made = await createLink(buyer, { label: "named" });
    const rotated = await json<CreatedLink>(
      await evergate.request("POST", `/api/links/${made.id}/rotate`, { token: buyer.token }),
    );

    // Act
    const listed = await json<{ items: Array<{ id: string; ownerName?: string; ownedByCaller: boolean }> }>(
      await evergate.request("GET", `/api/products/${product.id}/links?limit=100`, { token: seller.token }),
    );

    // Assess
    expect(made.ownerName).toBe(buyer.username);
    const byId = new Map(listed.items.map((link) => [link.id, link]));
    expect(byId.get(made.id)).toMatchObject({ ownerName: buyer.username, ownedByCaller: false });
    expect(byId.get(rotated.id)).toMatchObject({ ownerName: buyer.username, ownedByCaller: false });
  });

  it("lists the caller's links newest first with cursor paging", async () => {
    const user = await evergate.newUser("pager");
    const mine = await evergate.createProduct(user, { title: "Mine" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await evergate.request("POST", "/api/links", {
        token: user.token,
        json: { productId: mine.id, label: `l${i}` },
      });
      ids.push((await json(response)).id as string);
    }
    const first = await json<{ items: Array<{ id: string }>; nextCursor?: string }>(
      await evergate.request("GET", "/api/links?limit=3", { token: user.token }),
    );
    expect(first.items.map((l) => l.id)).toEqual(ids.slice(2).reverse());
    const second = await json<{ items: Array<{ id: string }>; nextCursor?: string }>(
      await evergate.request("GET", `/api/links?limit=3&cursor=${first.nextCursor}`, { token: user.token }),
    );
    expect(second.items.map((l) => l.id)).toEqual(ids.slice(0, 2).reverse());
    expect(second.nextCursor).toBeUndefined();
    const forged = Buffer.from(
      JSON.stringify({ gsi1pk: `OWNER_LINKS#${buyer.userId}`, gsi1sk: "z", pk: "x", sk: "y" }),
    ).toString("base64url");
    expect((await evergate.request("GET", `/api/links?cursor=${forged}`, { token: user.token })).status).toBe(
      400,
    );
  });

  it("changes label, expiry and limit, and refuses changes to a revoked link", async () => {
    const link = await createLink(buyer, { label: "old", maxDownloads: 3 });
    const patched = await evergate.request("PATCH", `/api/links/${link.id}`, {
      token: buyer.token,
      json: { label: "new", maxDownloads: null, expiresAt: "2099-01-01T00:00:00Z" },
    });
    expect(patched.status).toBe(200);
    const body = await json(patched);
    expect(body).toMatchObject({ label: "new", expiresAt: "2099-01-01T00:00:00.000Z" });
    expect(body).not.toHaveProperty("maxDownloads");
    await evergate.request("DELETE", `/api/links/${link.id}`, { token: buyer.token });
    const refused = await evergate.request("PATCH", `/api/links/${link.id}`, {
      token: buyer.token,
      json: { label: "x" },
    });
    expect(refused.status).toBe(409);
  });

  it("keeps a revoked link's record with who revoked it and when", async () => {
    const link = await createLink(buyer);
    const response = await evergate.request("DELETE", `/api/links/${link.id}`, { token: buyer.token });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      status: "revoked",
      revokedBy: buyer.userId,
      revokedAt: expect.any(String),
    });
    const again = await evergate.request("DELETE", `/api/links/${link.id}`, { token: buyer.token });
    expect(again.status).toBe(200);
  });

  it("rotates: the old token stops, a new one with the same settings works", async () => {
    const link = await createLink(buyer, { label: "rotating", maxDownloads: 5 });
    const response = await evergate.request("POST", `/api/links/${link.id}/rotate`, { token: buyer.token });
    expect(response.status).toBe(201);
    const rotated = await json<CreatedLink>(response);
    expect(rotated.token).not.toBe(link.token);
    expect(rotated).toMatchObject({ label: "rotating", maxDownloads: 5, status: "active" });
    expect((await follow(link.token)).status).toBe(410);
    expect((await evergate.request("POST", `/l/${rotated.token}`)).status).toBe(303);
    expect(
      (await evergate.request("POST", `/api/links/${link.id}/rotate`, { token: buyer.token })).status,
    ).toBe(409);
  });

  it("lets the seller see every link to their product (no tokens) and revoke a buyer's", async () => {
    const link = await createLink(buyer, { label: "buyer's" });
    const listed = await json<{ items: Array<Record<string, unknown>> }>(
      await evergate.request("GET", `/api/products/${product.id}/links?limit=100`, { token: seller.token }),
    );
    const found = listed.items.find((l) => l.id === link.id);
    expect(found).toMatchObject({ label: "buyer's", ownedByCaller: false });
    expect(JSON.stringify(listed)).not.toContain("evg_");
    const revoked = await evergate.request("DELETE", `/api/links/${link.id}`, { token: seller.token });
    expect(revoked.status).toBe(200);
    expect(await json(revoked)).toMatchObject({ revokedBy: seller.userId });
    expect((await follow(link.token)).status).toBe(410);
  });
});

describe("what others may not do with a link (404, never 403)", () => {
  it("hides a buyer's link from strangers: read, change, revoke, rotate, product links", async () => {
    const link = await createLink(buyer);
    for (const [method, path, body] of [
      ["GET", `/api/links/${link.id}`],
      ["PATCH", `/api/links/${link.id}`, { label: "pwned" }],
      ["DELETE", `/api/links/${link.id}`],
      ["POST", `/api/links/${link.id}/rotate`],
      ["GET", `/api/products/${product.id}/links`],
    ] as const) {
      const response = await evergate.request(method, path, { token: stranger.token, json: body });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    // A buyer cannot list the seller's product links either.
    expect(
      (await evergate.request("GET", `/api/products/${product.id}/links`, { token: buyer.token })).status,
    ).toBe(404);
    // The seller may revoke but not rotate or re-label a buyer's link.
    expect(
      (await evergate.request("POST", `/api/links/${link.id}/rotate`, { token: seller.token })).status,
    ).toBe(404);
    expect(
      (
        await evergate.request("PATCH", `/api/links/${link.id}`, {
          token: seller.token,
          json: { label: "x" },
        })
      ).status,
    ).toBe(404);
    expect((await follow(link.token)).status).toBe(302);
  });

  it("requires a login for the API", async () => {
    expect((await evergate.request("GET", "/api/links")).status).toBe(401);
    expect((await evergate.request("POST", "/api/links", { json: { productId: product.id } })).status).toBe(
      401,
    );
  });
});

describe("links stop when the entitlement ends", () => {
  it("a refund revokes the buyer's links, and only theirs", async () => {
    const other = await evergate.newUser("other-buyer");
    const thing = await evergate.createProduct(seller, { title: "Refundable" });
    for (const user of [buyer, other]) {
      expect(
        (await evergate.request("POST", `/api/products/${thing.id}/orders`, { token: user.token })).status,
      ).toBe(201);
    }
    const mk = async (user: TestUser) =>
      json<CreatedLink>(
        await evergate.request("POST", "/api/links", { token: user.token, json: { productId: thing.id } }),
      );
    const [buyersLink, othersLink, sellersLink] = await Promise.all([mk(buyer), mk(other), mk(seller)]);
    const refund = await evergate.request("POST", `/api/orders/${thing.id}_${buyer.userId}/refund`, {
      token: seller.token,
    });
    expect(refund.status).toBe(200);
    await evergate.linkJobsSettled();
    expect((await follow(buyersLink.token)).status).toBe(410);
    expect((await follow(othersLink.token)).status).toBe(302);
    expect((await follow(sellersLink.token)).status).toBe(302);
    expect(
      (await evergate.request("POST", "/api/links", { token: buyer.token, json: { productId: thing.id } }))
        .status,
    ).toBe(404);
  });

  it("deleting the product revokes every link to it", async () => {
    const thing = await evergate.createProduct(seller, { title: "Doomed" });
    await evergate.request("POST", `/api/products/${thing.id}/orders`, { token: buyer.token });
    const link = await json<CreatedLink>(
      await evergate.request("POST", "/api/links", { token: buyer.token, json: { productId: thing.id } }),
    );
    expect(
      (await evergate.request("DELETE", `/api/products/${thing.id}`, { token: seller.token })).status,
    ).toBe(204);
    await evergate.linkJobsSettled();
    expect((await follow(link.token)).status).toBe(410);
  });
});

describe("cursors", () => {
  it("refuse anything but a cursor this list handed out (400, never 500)", async () => {
    const mine = `OWNER_LINKS#${buyer.userId}`;
    const cursors = [
      "%%%",
      Buffer.from("[]").toString("base64url"),
      Buffer.from(JSON.stringify({ gsi1pk: mine })).toString("base64url"),
      Buffer.from(
        JSON.stringify({ gsi1pk: mine, gsi1sk: "x", pk: "LINK#x", sk: "LINK", extra: "y" }),
      ).toString("base64url"),
      Buffer.from(JSON.stringify({ gsi1pk: mine, gsi1sk: 1, pk: "LINK#x", sk: "LINK" })).toString(
        "base64url",
      ),
      Buffer.from(JSON.stringify({ gsi1pk: mine, gsi1sk: "", pk: "LINK#x", sk: "LINK" })).toString(
        "base64url",
      ),
    ];
    for (const cursor of cursors) {
      const response = await evergate.request("GET", `/api/links?cursor=${encodeURIComponent(cursor)}`, {
        token: buyer.token,
      });
      expect(response.status, cursor).toBe(400);
    }
    const valid = Buffer.from(
      JSON.stringify({ gsi1pk: mine, gsi1sk: "9999", pk: "LINK#x", sk: "LINK" }),
    ).toString("base64url");
    expect((await evergate.request("GET", `/api/links?cursor=${valid}`, { token: buyer.token })).status).toBe(
      200,
    );
  });
});
