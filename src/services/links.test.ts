import { describe, expect, it } from "vitest";
import type { AppDeps } from "#src/app-deps.ts";
import { loadConfig } from "#src/config.ts";
import type { Product } from "#src/domain/product.ts";
import { hashToken, newTokenKeyEntry } from "#src/domain/token.ts";
import { memoryStores } from "#src/storage/memory-stores.ts";
import type { Stores } from "#src/storage/ports.ts";
import { consume } from "../../test/contract/stores/fixtures.ts";
import { runLinkJob, storeLinkJob } from "./link-jobs.ts";
import { createLink, rotateLink, updateLink } from "./links.ts";
import { buyProduct, refundOrder } from "./orders.ts";

const now = new Date("2026-11-25T10:00:00.000Z");
/** The product's id (ids are 16 base62 characters; an order id is `<product>_<buyer>`). */
const P = "Pr0duct000000001";

/** A shop in memory: a seller's product and a buyer who bought it (Prepare). */
async function shop(wrap: (stores: Stores) => Stores = (stores) => stores) {
  const stores = memoryStores();
  const deps = depsOf(wrap(stores));
  const file = { key: "files/p1/v1", contentType: "application/zip", size: 3, filename: "v1.zip" };
  const product: Product = {
    id: P,
    authorId: "seller",
    authorName: "Seller",
    title: "Guide",
    description: "",
    priceAmount: 100,
    currency: "EUR",
    image: { ...file, key: "files/p1/img", contentType: "image/png", filename: "i.png" },
    deliverable: file,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
  };
  await stores.products.create(product);
  await buyProduct(deps, { userId: "buyer", username: "Buyer" }, product.id);
  return { stores, deps, product };
}

const config = loadConfig({
  COGNITO_ISSUER: "http://127.0.0.1:9/unit",
  COGNITO_CLIENT_ID: "unit",
  TOKEN_KEYS: newTokenKeyEntry(),
});
const silent = { debug() {}, info() {}, warn() {}, error() {} };
/** What the services use; link jobs are recorded and run by the test, not started by themselves. */
const started: string[] = [];
const depsOf = (stores: Stores) =>
  ({
    stores,
    clock: () => now,
    config,
    logger: silent,
    linkJobs: { started: (id: string) => started.push(id) },
  }) as unknown as AppDeps;
async function runStartedJobs(deps: AppDeps) {
  for (const id of started.splice(0)) await runLinkJob(deps, id);
}

/** Every id pageActiveIds gives for the product (or one owner), through its pages. */
async function activeIdsOf(
  store: { pageActiveIds: Stores["links"]["pageActiveIds"] },
  productId: string,
  ownerId?: string,
) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.pageActiveIds(productId, ownerId, { limit: 40, cursor });
    ids.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/** The stores, with `before` run just before each link is written: a write racing createLink. */
const beforeLinkPut = (before: (stores: Stores) => Promise<void>) => (stores: Stores) => ({
  ...stores,
  links: {
    ...stores.links,
    put: async (link: Parameters<Stores["links"]["put"]>[0], maxActive: number) => {
      await before(stores);
      return stores.links.put(link, maxActive);
    },
  },
});

describe("createLink", () => {
  it("stores the link under its token's hash, findable through its product at once", async () => {
    const { stores, deps } = await shop();
    const { link, token } = await createLink(deps, "buyer", P, { label: "for me", maxDownloads: 2 });
    expect(link.id).toBe(hashToken(token));
    expect(await stores.links.get(link.id)).toMatchObject({
      label: "for me",
      maxDownloads: 2,
      downloadCount: 0,
    });
    expect(await activeIdsOf(stores.links, P, "buyer")).toEqual([link.id]);
  });

  it("revokes its own link when a refund finished between its entitlement check and its write", async () => {
    let refunded = false;
    const { stores, deps } = await shop(
      beforeLinkPut(async (stores) => {
        if (refunded) return;
        refunded = true;
        await refundOrder(depsOf(stores), "seller", `${P}_buyer`);
        await runStartedJobs(depsOf(stores));
      }),
    );
    await expect(createLink(deps, "buyer", P, {})).rejects.toMatchObject({ code: "not_found" });
    const id = (await stores.links.listByOwner("buyer", { limit: 10 })).items[0]?.id;
    expect(await stores.links.get(id ?? "")).toMatchObject({
      revokedBy: "system",
      revokedAt: now.toISOString(),
    });
    expect(await consume(stores.links, id ?? "", now)).toBeNull();
  });

  it("points its link at the new file when the product's file changed between its read and its write", async () => {
    const { stores, deps, product } = await shop(
      beforeLinkPut(async (stores) => {
        const v2 = { ...product.deliverable, key: "files/p1/v2", filename: "v2.zip" };
        await stores.products.replace(
          { ...product, title: "Guide, 2nd ed.", deliverable: v2, version: 2 },
          1,
        );
      }),
    );
    const { link } = await createLink(deps, "buyer", P, {});
    const expected = { objectKey: "files/p1/v2", defaultFilename: "v2.zip", productTitle: "Guide, 2nd ed." };
    expect(link).toMatchObject(expected);
    const stored = await stores.links.get(link.id);
    expect(stored).toMatchObject(expected);
    expect(stored?.revokedAt).toBeUndefined();
  });

  it("refuses a caller who neither wrote nor bought the product, and writes nothing", async () => {
    const { stores, deps } = await shop();
    await expect(createLink(deps, "stranger", P, {})).rejects.toMatchObject({ code: "not_found" });
    expect(await activeIdsOf(stores.links, P)).toEqual([]);
  });
});

describe("refundOrder", () => {
  it("revokes a link created while the order was being marked (the second pass)", async () => {
    let sneaked: string | undefined;
    const { stores, deps } = await shop((stores) => ({
      ...stores,
      orders: {
        ...stores.orders,
        markRefunded: async (productId, buyerId, at) => {
          // The buyer's createLink passed its re-check just before the order changed.
          sneaked ??= (await createLink(depsOf(stores), "buyer", P, {})).link.id;
          return stores.orders.markRefunded(productId, buyerId, at);
        },
      },
    }));
    const before = await createLink(deps, "buyer", P, {});
    await refundOrder(deps, "seller", `${P}_buyer`);
    await runStartedJobs(deps);
    for (const id of [before.link.id, sneaked ?? ""]) {
      expect(await stores.links.get(id)).toMatchObject({ revokedBy: "seller" });
    }
  });

  it("after a crash between storing the job and marking, nothing changed; a retry refunds and the links stop", async () => {
    let crash = true;
    const { stores, deps } = await shop((stores) => ({
      ...stores,
      orders: {
        ...stores.orders,
        markRefunded: async (productId, buyerId, at) => {
          if (crash) throw new Error("the Lambda died here");
          return stores.orders.markRefunded(productId, buyerId, at);
        },
      },
    }));
    const { link } = await createLink(deps, "buyer", P, {});
    await expect(refundOrder(deps, "seller", `${P}_buyer`)).rejects.toThrow("died");
    expect((await stores.orders.get(P, "buyer"))?.status).toBe("active");
    expect(await stores.links.get(link.id)).not.toMatchObject({ revokedAt: expect.any(String) });
    crash = false;
    expect((await refundOrder(deps, "seller", `${P}_buyer`)).status).toBe("refunded");
    await runStartedJobs(deps);
    expect(await consume(stores.links, link.id, now)).toBeNull();
  });
});

describe("a refund's link job", () => {
  it("of 2,000 links to a product by 40 owners revokes exactly one owner's 50", async () => {
    const { stores, deps } = await shop();
    const ids = Array.from({ length: 2000 }, (_, i) => ({ id: `link-${i}`, ownerId: `owner-${i % 40}` }));
    for (const { id, ownerId } of ids) {
      await stores.links.put(
        {
          id,
          ownerId,
          productId: P,
          productTitle: "Guide",
          objectKey: "files/p1/v1",
          defaultFilename: "v1.zip",
          tokenHint: "x",
          createdAt: now.toISOString(),
          downloadCount: 0,
        },
        1000,
      );
    }
    const job = await storeLinkJob(deps, {
      kind: "revoke-owner",
      productId: P,
      ownerId: "owner-7",
      revokedBy: "seller",
    });
    expect(await runLinkJob(deps, job.id)).toBe("done");
    const revoked = (await Promise.all(ids.map(({ id }) => stores.links.get(id)))).filter(
      (l) => l?.revokedAt,
    );
    expect(revoked.map((link) => link?.ownerId)).toEqual(Array(50).fill("owner-7"));
  });
});

describe("updateLink and rotateLink", () => {
  it("a revoked link cannot be changed (409) or rotated; rotating keeps the settings on a new token", async () => {
    const { stores, deps } = await shop();
    const { link } = await createLink(deps, "buyer", P, {
      label: "a",
      maxDownloads: 3,
      filename: "x.zip",
    });
    const rotated = await rotateLink(deps, link.id, "buyer");
    expect(rotated.revoked).toMatchObject({ id: link.id, revokedBy: "buyer" });
    expect(rotated.link).toMatchObject({
      label: "a",
      maxDownloads: 3,
      filename: "x.zip",
    });
    expect(await consume(stores.links, rotated.link.id, now)).toMatchObject({ downloadCount: 1 });
    expect(rotated.link.id).not.toBe(link.id);
    await expect(updateLink(deps, link.id, "buyer", { label: "b" })).rejects.toMatchObject({
      code: "conflict",
    });
    await expect(rotateLink(deps, link.id, "buyer")).rejects.toMatchObject({ code: "conflict" });
    expect((await stores.links.get(link.id))?.label).toBe("a");
  });
});
