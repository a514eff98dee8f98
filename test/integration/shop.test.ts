import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
  testPng,
} from "../support/harness.ts";

let evergate: TestEvergate;
let author: TestUser;
let buyer: TestUser;
let stranger: TestUser;
let product: TestProduct;

beforeAll(async () => {
  evergate = await startTestEvergate();
  [author, buyer, stranger] = await Promise.all([
    evergate.newUser("author"),
    evergate.newUser("buyer"),
    evergate.newUser("stranger"),
  ]);
  product = await evergate.createProduct(author, { title: "Shop item", amount: 1299, filename: "book.txt" });
});
afterAll(() => evergate?.stop());

type Page<T = Record<string, unknown>> = { items: T[]; nextCursor?: string };

describe("products", () => {
  it("GET /api/products lists newest first, publicly, with paging", async () => {
    const newer = await evergate.createProduct(author, { title: "Newer" });
    const page = await json<Page<{ id: string }>>(await evergate.request("GET", "/api/products?limit=1"));
    expect(page.items.map((p) => p.id)).toEqual([newer.id]);
    const next = await json<Page<{ id: string }>>(
      await evergate.request("GET", `/api/products?limit=1&cursor=${page.nextCursor}`),
    );
    expect(next.items.map((p) => p.id)).toEqual([product.id]);
  });

  it("GET /api/products/{id} tells a signed-in caller whether they wrote or bought it", async () => {
    const anonymous = await json(await evergate.request("GET", `/api/products/${product.id}`));
    expect(anonymous).toMatchObject({
      title: "Shop item",
      price: { amount: 1299, currency: "EUR" },
      deliverable: { filename: "book.txt" },
    });
    expect(anonymous).not.toHaveProperty("viewer");
    expect(JSON.stringify(anonymous)).not.toMatch(/files\/|pending\//);
    expect(
      await json(await evergate.request("GET", `/api/products/${product.id}`, { token: author.token })),
    ).toMatchObject({
      viewer: { isAuthor: true, hasBought: false },
    });
    expect(
      await json(await evergate.request("GET", `/api/products/${product.id}`, { token: stranger.token })),
    ).toMatchObject({
      viewer: { isAuthor: false, hasBought: false },
    });
    expect((await evergate.request("GET", "/api/products/AAAAAAAAAAAAAAAA")).status).toBe(404);
  });

  it("GET /api/products/{id}/image redirects to a signed URL that is stable within its window and cacheable", async () => {
    const first = await evergate.request("GET", `/api/products/${product.id}/image`);
    const second = await evergate.request("GET", `/api/products/${product.id}/image`);
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe(second.headers.get("location"));
    expect(first.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    const image = await fetch(first.headers.get("location") ?? "");
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(new Uint8Array(testPng));
  });

  it("GET /api/me/products lists only the caller's products", async () => {
    const mine = await json<Page<{ id: string }>>(
      await evergate.request("GET", "/api/me/products", { token: author.token }),
    );
    expect(mine.items.map((p) => p.id)).toContain(product.id);
    const theirs = await json<Page>(
      await evergate.request("GET", "/api/me/products", { token: stranger.token }),
    );
    expect(theirs.items).toEqual([]);
  });

  it("validates prices, titles and descriptions", async () => {
    const imageUploadId = "A".repeat(16);
    const base = {
      title: "t",
      description: "d",
      price: { amount: 1, currency: "EUR" },
      imageUploadId,
      deliverableUploadId: imageUploadId,
    };
    for (const body of [
      { ...base, price: { amount: -1, currency: "EUR" } },
      { ...base, price: { amount: 1.5, currency: "EUR" } },
      { ...base, price: { amount: 1, currency: "euro" } },
      { ...base, title: "" },
      { ...base, title: "x".repeat(121) },
      { ...base, title: "a\u0000b" },
      { ...base, description: "x".repeat(5001) },
      { ...base, extra: true },
    ]) {
      const response = await evergate.request("POST", "/api/products", { token: author.token, json: body });
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
  });
});

describe("orders and downloads", () => {
  it("buying is idempotent and shows in My orders and in the seller's Sales", async () => {
    const first = await evergate.request("POST", `/api/products/${product.id}/orders`, {
      token: buyer.token,
    });
    expect(first.status).toBe(201);
    const again = await evergate.request("POST", `/api/products/${product.id}/orders`, {
      token: buyer.token,
    });
    expect(again.status).toBe(200);
    expect((await json(again)).id).toBe((await json(first)).id);
    const orders = await json<Page<{ productId: string }>>(
      await evergate.request("GET", "/api/me/orders", { token: buyer.token }),
    );
    expect(orders.items.filter((o) => o.productId === product.id)).toHaveLength(1);
    const sales = await json<Page>(await evergate.request("GET", "/api/me/sales", { token: author.token }));
    expect(sales.items[0]).toMatchObject({
      productId: product.id,
      buyer: { id: buyer.userId, name: buyer.username },
      price: { amount: 1299 },
    });
  });

  it("an author cannot buy their own product", async () => {
    expect(
      (await evergate.request("POST", `/api/products/${product.id}/orders`, { token: author.token })).status,
    ).toBe(409);
  });

  it("download: author and buyer get the file under its original name; everyone else 404", async () => {
    for (const user of [author, buyer]) {
      const response = await evergate.request("GET", `/api/products/${product.id}/download`, {
        token: user.token,
      });
      expect(response.status).toBe(302);
      const file = await fetch(response.headers.get("location") ?? "");
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(product.deliverableBytes);
      expect(file.headers.get("content-disposition")).toContain(`filename="book.txt"`);
    }
    const asJson = await evergate.request("GET", `/api/products/${product.id}/download`, {
      token: buyer.token,
      headers: { accept: "application/json" },
    });
    expect(asJson.status).toBe(200);
    expect(await json(asJson)).toMatchObject({
      url: expect.stringContaining("X-Amz-Signature"),
      expiresAt: expect.any(String),
    });
    expect(
      (await evergate.request("GET", `/api/products/${product.id}/download`, { token: stranger.token }))
        .status,
    ).toBe(404);
    expect((await evergate.request("GET", `/api/products/${product.id}/download`)).status).toBe(401);
  });

  it("a refund by the seller ends the buyer's download; only the seller may refund", async () => {
    const item = await evergate.createProduct(author, { title: "Refund me" });
    const order = await json<{ id: string }>(
      await evergate.request("POST", `/api/products/${item.id}/orders`, { token: buyer.token }),
    );
    expect(
      (await evergate.request("POST", `/api/orders/${order.id}/refund`, { token: buyer.token })).status,
    ).toBe(404);
    expect(
      (await evergate.request("POST", `/api/orders/${order.id}/refund`, { token: stranger.token })).status,
    ).toBe(404);
    const refunded = await evergate.request("POST", `/api/orders/${order.id}/refund`, {
      token: author.token,
    });
    expect(refunded.status).toBe(200);
    expect(await json(refunded)).toMatchObject({ status: "refunded", refundedAt: expect.any(String) });
    expect(
      (await evergate.request("GET", `/api/products/${item.id}/download`, { token: buyer.token })).status,
    ).toBe(404);
    expect(
      (await evergate.request("POST", `/api/orders/nonsense/refund`, { token: author.token })).status,
    ).toBe(404);
  });
});

describe("uploads straight to S3", () => {
  async function ticket(user: TestUser, body: Record<string, unknown>) {
    return evergate.request("POST", "/api/uploads", { token: user.token, json: body });
  }

  it("answers a presigned PUT that pins size and type, for a server-chosen key", async () => {
    const response = await ticket(author, {
      kind: "deliverable",
      contentType: "application/pdf",
      size: 10,
      filename: "../../etc/passwd",
    });
    expect(response.status).toBe(201);
    const body = await json<{
      url: string;
      method: string;
      headers: Record<string, string>;
      uploadId: string;
    }>(response);
    expect(body.method).toBe("PUT");
    expect(body.url).toMatch(/\/pending\/[0-9A-Za-z]{16}\?/);
    expect(body.url).toContain("content-length%3Bcontent-type%3Bhost");
    expect(body.headers).toEqual({ "Content-Type": "application/pdf" });
  });

  it("refuses image types other than png, jpeg, webp, and sizes over the limit", async () => {
    expect(
      (
        await ticket(author, {
          kind: "promoImage",
          contentType: "image/svg+xml",
          size: 10,
          filename: "x.svg",
        })
      ).status,
    ).toBe(400);
    expect(
      (await ticket(author, { kind: "promoImage", contentType: "text/html", size: 10, filename: "x.html" }))
        .status,
    ).toBe(400);
    expect(
      (
        await ticket(author, {
          kind: "promoImage",
          contentType: "image/png",
          size: 50 * 1024 * 1024,
          filename: "x.png",
        })
      ).status,
    ).toBe(413);
    expect(
      (await ticket(author, { kind: "deliverable", contentType: "text/plain", size: 0, filename: "x" }))
        .status,
    ).toBe(400);
  });

  it("S3 itself refuses more or fewer bytes, another type, another key", async () => {
    const response = await ticket(author, {
      kind: "deliverable",
      contentType: "text/plain",
      size: 5,
      filename: "five.txt",
    });
    const { url } = await json<{ url: string }>(response);
    const put = (target: string, body: string, type: string) =>
      fetch(target, { method: "PUT", headers: { "Content-Type": type }, body });
    expect((await put(url, "123456", "text/plain")).status).toBe(403);
    expect((await put(url, "1234", "text/plain")).status).toBe(403);
    expect((await put(url, "12345", "text/html")).status).toBe(403);
    expect(
      (await put(url.replace(/\/pending\/[0-9A-Za-z]+/, "/pending/AAAAAAAAAAAAAAAA"), "12345", "text/plain"))
        .status,
    ).toBe(403);
    expect((await put(url, "12345", "text/plain")).status).toBe(200);
  });

  it("a product cannot use someone else's upload, an unfinished one, a mismatched one, or one twice", async () => {
    const png = new Uint8Array(testPng);
    const strangersImage = await evergate.upload(stranger, "promoImage", png, "image/png", "p.png");
    const mine = await evergate.upload(
      author,
      "deliverable",
      new TextEncoder().encode("x"),
      "text/plain",
      "x.txt",
    );
    const create = (imageUploadId: string, deliverableUploadId: string) =>
      evergate.request("POST", "/api/products", {
        token: author.token,
        json: {
          title: "t",
          description: "d",
          price: { amount: 1, currency: "EUR" },
          imageUploadId,
          deliverableUploadId,
        },
      });
    expect((await create(strangersImage, mine)).status).toBe(404);

    const notUploaded = await json<{ uploadId: string }>(
      await ticket(author, {
        kind: "promoImage",
        contentType: "image/png",
        size: png.length,
        filename: "p.png",
      }),
    );
    expect((await create(notUploaded.uploadId, mine)).status).toBe(422);

    const htmlAsPng = new TextEncoder().encode("<html><script>alert(1)</script></html>");
    const fakeImage = await evergate.upload(author, "promoImage", htmlAsPng, "image/png", "evil.png");
    expect((await create(fakeImage, mine)).status).toBe(422);

    const deliverableAsImage = await evergate.upload(author, "deliverable", png, "image/png", "p.png");
    expect((await create(deliverableAsImage, mine)).status).toBe(422);

    const image = await evergate.upload(author, "promoImage", png, "image/png", "p.png");
    expect((await create(image, mine)).status).toBe(201);
    const reuse = await create(image, mine);
    expect(reuse.status).toBe(404);
  });

  it("the sweeper removes pending uploads that were never used", async () => {
    const uploadId = await evergate.upload(
      author,
      "deliverable",
      new TextEncoder().encode("abandoned"),
      "text/plain",
      "a.txt",
    );
    const upload = await evergate.deps.stores.uploads.get(uploadId);
    expect(upload).not.toBeNull();
    expect(await evergate.deps.files.head(upload?.pendingKey ?? "")).not.toBeNull();
    const { sweepGarbage } = await import("#src/services/products.ts");
    const later = { ...evergate.deps, clock: () => new Date(Date.now() + 2 * 3600_000) };
    expect(await sweepGarbage(later)).toBeGreaterThanOrEqual(1);
    expect(await evergate.deps.stores.uploads.get(uploadId)).toBeNull();
    expect(await evergate.deps.files.head(upload?.pendingKey ?? "")).toBeNull();
  });
});

describe("editing products", () => {
  it("replaces only the files given, under new keys; links follow the new deliverable; old objects go", async () => {
    const item = await evergate.createProduct(author, { title: "Editable", filename: "v1.txt" });
    await evergate.request("POST", `/api/products/${item.id}/orders`, { token: buyer.token });
    const link = await json<{ token: string }>(
      await evergate.request("POST", "/api/links", { token: buyer.token, json: { productId: item.id } }),
    );
    const before = await evergate.deps.stores.products.get(item.id);

    const titleOnly = await evergate.request("PATCH", `/api/products/${item.id}`, {
      token: author.token,
      json: { title: "Edited", version: 1 },
    });
    expect(titleOnly.status).toBe(200);
    const afterTitle = await evergate.deps.stores.products.get(item.id);
    expect(afterTitle?.deliverable.key).toBe(before?.deliverable.key);
    expect(afterTitle?.image.key).toBe(before?.image.key);
    expect(afterTitle?.version).toBe(2);

    const v2 = new TextEncoder().encode("version two");
    const deliverableUploadId = await evergate.upload(author, "deliverable", v2, "text/plain", "v2.txt");
    const replaced = await evergate.request("PATCH", `/api/products/${item.id}`, {
      token: author.token,
      json: { deliverableUploadId, version: 2 },
    });
    expect(replaced.status, await replaced.clone().text()).toBe(200);
    await evergate.linkJobsSettled(); // links re-pointed and the old file deleted off the request path
    const after = await evergate.deps.stores.products.get(item.id);
    expect(after?.deliverable.key).not.toBe(before?.deliverable.key);
    expect(after?.image.key).toBe(before?.image.key);
    expect(await evergate.deps.files.head(before?.deliverable.key ?? "")).toBeNull();

    const redirect = await evergate.request("GET", `/l/${link.token}`);
    const file = await fetch(redirect.headers.get("location") ?? "");
    expect(new TextDecoder().decode(await file.arrayBuffer())).toBe("version two");
    expect(file.headers.get("content-disposition")).toContain("v2.txt");
  });

  it("answers 409 to an edit made against an old version (no lost update)", async () => {
    const item = await evergate.createProduct(author, { title: "Contended" });
    const results = await Promise.all(
      ["A", "B", "C", "D"].map((title) =>
        evergate
          .request("PATCH", `/api/products/${item.id}`, { token: author.token, json: { title, version: 1 } })
          .then((r) => r.status),
      ),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((s) => s === 409)).toHaveLength(3);
    expect((await evergate.deps.stores.products.get(item.id))?.version).toBe(2);
  });

  it("only the author may edit or delete (404 for others)", async () => {
    for (const user of [buyer, stranger]) {
      expect(
        (
          await evergate.request("PATCH", `/api/products/${product.id}`, {
            token: user.token,
            json: { title: "mine now" },
          })
        ).status,
      ).toBe(404);
      expect(
        (await evergate.request("DELETE", `/api/products/${product.id}`, { token: user.token })).status,
      ).toBe(404);
    }
    expect(
      (await evergate.request("PATCH", `/api/products/${product.id}`, { json: { title: "x" } })).status,
    ).toBe(401);
  });

  it("deleting removes the product and its files; buyers lose the download", async () => {
    const item = await evergate.createProduct(author, { title: "Deleted" });
    await evergate.request("POST", `/api/products/${item.id}/orders`, { token: buyer.token });
    const stored = await evergate.deps.stores.products.get(item.id);
    expect(
      (await evergate.request("DELETE", `/api/products/${item.id}`, { token: author.token })).status,
    ).toBe(204);
    expect((await evergate.request("GET", `/api/products/${item.id}`)).status).toBe(404);
    expect(
      (await evergate.request("GET", `/api/products/${item.id}/download`, { token: buyer.token })).status,
    ).toBe(404);
    // The files go once the links are revoked, by the worker the delete started.
    await evergate.linkJobsSettled();
    expect(await evergate.deps.files.head(stored?.deliverable.key ?? "")).toBeNull();
    expect(await evergate.deps.files.head(stored?.image.key ?? "")).toBeNull();
  });
});
