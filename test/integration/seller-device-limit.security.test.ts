import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";

/**
 * A seller's default device limit for buyers' links (issue 18 §1, ADR 025 addendum): the product's
 * `defaultMaxClients`, applied to a buyer's link that names none; a buyer may choose a lower one,
 * never a higher one or none — not on create, bulk create, PATCH or rotate. X-Forwarded-For is the
 * client's address only because this deployment trusts it (CLIENT_ADDRESS_HEADER).
 */
let evergate: TestEvergate;
let seller: TestUser;
let buyer: TestUser;
let product: TestProduct;

interface LinkView {
  id: string;
  token: string;
  maxClients?: number;
  boundClients?: number;
}
interface PolicyProblem {
  status: number;
  code: string;
  detail: string;
  errors: { rule: string; path: string; message: string }[];
}

beforeAll(async () => {
  evergate = await startTestEvergate({
    configOverrides: { CLIENT_ADDRESS_HEADER: "x-forwarded-for", AWS_TIMEOUT_MS: "15000" },
  });
  [seller, buyer] = await Promise.all([evergate.newUser("seller"), evergate.newUser("buyer")]);
  product = await evergate.createProduct(seller, { title: "Per device", filename: "per-device.txt" });
  expect(
    (await evergate.request("POST", `/api/products/${product.id}/orders`, { token: buyer.token })).status,
  ).toBe(201);
});
afterAll(async () => {
  await evergate?.stop();
});

const createLink = (user: TestUser, body: Record<string, unknown> = {}) =>
  evergate.request("POST", "/api/links", { token: user.token, json: { productId: product.id, ...body } });

async function created(response: Response): Promise<LinkView> {
  expect(response.status, await response.clone().text()).toBe(201);
  return json<LinkView>(response);
}

const setDefault = (defaultMaxClients: number | null, user = seller) =>
  evergate.request("PATCH", `/api/products/${product.id}`, {
    token: user.token,
    json: { defaultMaxClients },
  });

async function expectSellerRule(response: Response, limit: number) {
  expect(response.status, await response.clone().text()).toBe(422);
  expect(response.headers.get("content-type")).toMatch(/application\/problem\+json/);
  const problem = await json<PolicyProblem>(response);
  expect(problem.code).toBe("policy_violation");
  expect(problem.errors).toEqual([expect.objectContaining({ rule: "sellerMaxClients", path: "maxClients" })]);
  expect(problem.detail).toContain("sellerMaxClients");
  expect(problem.detail).toContain(`at most ${limit}`);
  return problem;
}

const hit = (token: string, device: number) =>
  evergate.request("POST", `/l/${token}`, {
    headers: { "user-agent": `device/${device}`, "x-forwarded-for": `198.51.100.${(device % 250) + 1}` },
  });

describe("a seller's default device limit", () => {
  let before: LinkView;

  it("PATCH /api/products/{id} sets it (only its seller, 1–20); the product shows it", async () => {
    before = await created(await createLink(buyer));
    expect(before.maxClients).toBeUndefined();

    expect((await setDefault(2, buyer)).status).toBe(404);
    for (const wrong of [0, 21, 1.5]) expect((await setDefault(wrong)).status).toBe(400);
    const patched = await setDefault(2);
    expect(patched.status, await patched.clone().text()).toBe(200);
    expect((await json<{ defaultMaxClients?: number }>(patched)).defaultMaxClients).toBe(2);
    const shown = await evergate.request("GET", `/api/products/${product.id}`);
    expect((await json<{ defaultMaxClients?: number }>(shown)).defaultMaxClients).toBe(2);
  });

  it("a buyer's link that names none gets it; a lower one is the buyer's; the seller's own is free", async () => {
    expect((await created(await createLink(buyer))).maxClients).toBe(2);
    expect((await created(await createLink(buyer, { maxClients: 1 }))).maxClients).toBe(1);
    expect((await created(await createLink(seller))).maxClients).toBeUndefined();
    expect((await created(await createLink(seller, { maxClients: 20 }))).maxClients).toBe(20);
  });

  it("a buyer cannot ask for more on create, nor in a bulk call (refused in place)", async () => {
    for (const maxClients of [3, 20]) await expectSellerRule(await createLink(buyer, { maxClients }), 2);
    const links = Array.from({ length: 100 }, (_, index) => ({
      productId: product.id,
      ...(index % 4 === 0 ? {} : { maxClients: index % 4 }),
    }));
    const response = await evergate.request("POST", "/api/links/bulk", {
      token: buyer.token,
      json: { links },
    });
    expect(response.status).toBe(200);
    const result = await json<{
      created: number;
      failed: number;
      items: { index: number; status: number; link?: LinkView; problem?: PolicyProblem }[];
    }>(response);
    // index % 4: 0 → the default (2), 1 → 1, 2 → 2, 3 → 3 (refused).
    expect(result).toMatchObject({ created: 75, failed: 25 });
    for (const item of result.items) {
      if (item.index % 4 === 3) {
        expect(item).toMatchObject({ status: 422, problem: { errors: [{ rule: "sellerMaxClients" }] } });
      } else {
        expect(item.status).toBe(201);
        expect(item.link?.maxClients).toBe(item.index % 4 === 1 ? 1 : 2);
      }
    }
  }, 60_000);

  it("a buyer cannot lift it by PATCH: no higher value and no removal, whatever they try", async () => {
    const link = await created(await createLink(buyer));
    const patch = (maxClients: number | null) =>
      evergate.request("PATCH", `/api/links/${link.id}`, { token: buyer.token, json: { maxClients } });
    for (const maxClients of [null, ...Array.from({ length: 18 }, (_, i) => i + 3)]) {
      await expectSellerRule(await patch(maxClients), 2);
    }
    const still = await evergate.request("GET", `/api/links/${link.id}`, { token: buyer.token });
    expect((await json<LinkView>(still)).maxClients).toBe(2);
    const lowered = await patch(1);
    expect(lowered.status).toBe(200);
    expect((await json<LinkView>(lowered)).maxClients).toBe(1);
    // Other fields are not judged by it.
    const relabelled = await evergate.request("PATCH", `/api/links/${before.id}`, {
      token: buyer.token,
      json: { label: "made before the default" },
    });
    expect(relabelled.status).toBe(200);
  });

  it("a buyer cannot lift it by rotating a link made before it; the old link keeps working", async () => {
    const refused = await evergate.request("POST", `/api/links/${before.id}/rotate`, { token: buyer.token });
    const problem = await expectSellerRule(refused, 2);
    expect(problem.detail).toMatch(/PATCH the link first/);
    expect((await hit(before.token, 1)).status).toBe(303);

    expect(
      (
        await evergate.request("PATCH", `/api/links/${before.id}`, {
          token: buyer.token,
          json: { maxClients: 2 },
        })
      ).status,
    ).toBe(200);
    const rotated = await evergate.request("POST", `/api/links/${before.id}/rotate`, { token: buyer.token });
    expect((await created(rotated)).maxClients).toBe(2);
  });

  it("50 devices racing on a buyer's defaulted link: exactly 2 get the file", async () => {
    const link = await created(await createLink(buyer));
    const responses = await Promise.all(Array.from({ length: 50 }, (_, n) => hit(link.token, 100 + n)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 303)).toHaveLength(2);
    expect(statuses.filter((status) => status === 403)).toHaveLength(48);
  }, 120_000);

  it("a lower default binds new links only; removing it frees new links again", async () => {
    expect((await setDefault(1)).status).toBe(200);
    await expectSellerRule(await createLink(buyer, { maxClients: 2 }), 1);
    expect((await created(await createLink(buyer))).maxClients).toBe(1);
    const removed = await setDefault(null);
    expect(removed.status).toBe(200);
    expect((await json<{ defaultMaxClients?: number }>(removed)).defaultMaxClients).toBeUndefined();
    expect((await created(await createLink(buyer))).maxClients).toBeUndefined();
  });
});
