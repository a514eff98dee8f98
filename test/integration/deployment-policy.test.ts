import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";

/**
 * The deployment's link policy (issue 18 §2, ADR 025) through the HTTP API: create, bulk create,
 * PATCH and rotate refused with a 422 naming each rule, and links made before the policy kept
 * working. The deployment "changes its settings" between the two halves: the links made first are
 * the links a real deployment had before it set LINK_* and redeployed.
 */
let evergate: TestEvergate;
let buyer: TestUser;
let product: TestProduct;
const before: { id: string; token: string }[] = [];
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

interface PolicyProblem {
  status: number;
  code: string;
  detail: string;
  errors: { rule: string; path: string; message: string }[];
}

beforeAll(async () => {
  evergate = await startTestEvergate();
  let seller: TestUser;
  [seller, buyer] = await Promise.all([evergate.newUser("seller"), evergate.newUser("buyer")]);
  product = await evergate.createProduct(seller, { title: "Policed", filename: "policed.txt" });
  expect(
    (await evergate.request("POST", `/api/products/${product.id}/orders`, { token: buyer.token })).status,
  ).toBe(201);
  for (const body of [{}, { maxDownloads: 500, expiresAt: inDays(365) }]) {
    const response = await evergate.request("POST", "/api/links", {
      token: buyer.token,
      json: { productId: product.id, ...body },
    });
    expect(response.status).toBe(201);
    before.push(await json<{ id: string; token: string }>(response));
  }
  Object.assign(evergate.deps.config, {
    LINK_MAX_EXPIRY_DAYS: 30,
    LINK_REQUIRE_MAX_DOWNLOADS: true,
    LINK_MAX_DOWNLOADS_CAP: 10,
    LINK_REQUIRE_PASSPHRASE_WHEN_UNLIMITED: true,
  });
});
afterAll(async () => {
  await evergate?.stop();
});

async function expectPolicyProblem(response: Response, rules: string[]) {
  expect(response.status, await response.clone().text()).toBe(422);
  expect(response.headers.get("content-type")).toMatch(/application\/problem\+json/);
  const problem = await json<PolicyProblem>(response);
  expect(problem.code).toBe("policy_violation");
  expect(problem.errors.map((error) => error.rule)).toEqual(rules);
  for (const rule of rules) expect(problem.detail).toContain(rule);
  return problem;
}

/** The confirm page's POST: a download is counted and the URL handed over. */
async function expectServed(token: string) {
  const hit = await evergate.request("POST", `/l/${token}`, { redirect: "manual" });
  expect(hit.status).toBe(303);
  const file = await fetch(hit.headers.get("location") as string);
  expect(file.status).toBe(200);
  expect(new Uint8Array(await file.arrayBuffer())).toEqual(product.deliverableBytes);
}

const create = (body: Record<string, unknown>) =>
  evergate.request("POST", "/api/links", { token: buyer.token, json: { productId: product.id, ...body } });

describe("deployment link policy", () => {
  it("GET /api/config shows the policy and the limits on links", async () => {
    const config = await json<{ linkPolicy: Record<string, unknown> }>(
      await evergate.request("GET", "/api/config"),
    );
    expect(config.linkPolicy).toEqual({
      maxExpiryDays: 30,
      requireMaxDownloads: true,
      maxDownloadsCap: 10,
      requirePassphraseWhenUnlimited: true,
      defaultGraceSeconds: 900,
      maxActiveLinksPerProduct: 1000,
      linkUrlTtlSeconds: 300,
      downloadUrlTtlSeconds: 300,
    });
  });

  it("POST /api/links refuses a link that breaks the policy, naming every rule and field", async () => {
    const problem = await expectPolicyProblem(await create({}), [
      "maxExpiryDays",
      "requireMaxDownloads",
      "requirePassphraseWhenUnlimited",
    ]);
    expect(problem.errors.map((error) => error.path)).toEqual(["expiresAt", "maxDownloads", "passphrase"]);
    await expectPolicyProblem(await create({ expiresAt: inDays(31), maxDownloads: 5 }), ["maxExpiryDays"]);
    await expectPolicyProblem(await create({ expiresAt: inDays(7), maxDownloads: 11 }), ["maxDownloadsCap"]);
    expect((await create({ expiresAt: inDays(7), maxDownloads: 10 })).status).toBe(201);
  });

  it("POST /api/links/bulk refuses each item that breaks it, in place", async () => {
    const links = Array.from({ length: 100 }, (_, index) => ({
      productId: product.id,
      expiresAt: inDays(7),
      maxDownloads: index % 2 === 0 ? 3 : 11,
    }));
    const response = await evergate.request("POST", "/api/links/bulk", {
      token: buyer.token,
      json: { links },
    });
    expect(response.status).toBe(200);
    const result = await json<{
      created: number;
      failed: number;
      items: { index: number; status: number; problem?: { code: string; errors: { rule: string }[] } }[];
    }>(response);
    expect(result).toMatchObject({ created: 50, failed: 50 });
    for (const item of result.items) {
      if (item.index % 2 === 0) expect(item.status).toBe(201);
      else
        expect(item).toMatchObject({
          status: 422,
          problem: { code: "policy_violation", errors: [{ rule: "maxDownloadsCap" }] },
        });
    }
  });

  it("PATCH /api/links/{id} refuses a change that breaks a rule it touches", async () => {
    const made = await json<{ id: string }>(await create({ expiresAt: inDays(7), maxDownloads: 3 }));
    const patch = (body: Record<string, unknown>) =>
      evergate.request("PATCH", `/api/links/${made.id}`, { token: buyer.token, json: body });
    await expectPolicyProblem(await patch({ maxDownloads: null }), [
      "requireMaxDownloads",
      "requirePassphraseWhenUnlimited",
    ]);
    await expectPolicyProblem(await patch({ expiresAt: null }), ["maxExpiryDays"]);
    await expectPolicyProblem(await patch({ expiresAt: inDays(60), maxDownloads: 50 }), [
      "maxExpiryDays",
      "maxDownloadsCap",
    ]);
    const fits = await patch({ expiresAt: inDays(20), maxDownloads: 9 });
    expect(fits.status).toBe(200);
    expect(await json(fits)).toMatchObject({ maxDownloads: 9 });
  });

  it("links made before keep working: served, and editable in what the policy does not cover", async () => {
    for (const link of before) await expectServed(link.token);
    const label = await evergate.request("PATCH", `/api/links/${before[0]?.id}`, {
      token: buyer.token,
      json: { label: "kept" },
    });
    expect(label.status).toBe(200);
    // …but a field a rule covers must then fit it.
    await expectPolicyProblem(
      await evergate.request("PATCH", `/api/links/${before[1]?.id}`, {
        token: buyer.token,
        json: { maxDownloads: 400 },
      }),
      ["maxDownloadsCap"],
    );
  });

  it("npm run policy:report lists the active links out of policy, with owner and rules", async () => {
    const { stdout } = await promisify(execFile)("npx", ["tsx", "scripts/policy-report.ts"], {
      env: {
        ...process.env,
        AWS_REGION: evergate.config.AWS_REGION,
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        TABLE_NAME: evergate.config.TABLE_NAME,
        DYNAMODB_ENDPOINT: evergate.config.DYNAMODB_ENDPOINT,
        LINK_MAX_EXPIRY_DAYS: "30",
        LINK_REQUIRE_MAX_DOWNLOADS: "true",
        LINK_MAX_DOWNLOADS_CAP: "10",
        LINK_REQUIRE_PASSPHRASE_WHEN_UNLIMITED: "true",
      },
    });
    const lines = stdout.trim().split("\n");
    const listed = lines.filter((line) => line.includes("\towner="));
    expect(listed.sort()).toEqual(
      [
        `${before[0]?.id}\towner=${buyer.userId}\tmaxExpiryDays,requireMaxDownloads,requirePassphraseWhenUnlimited`,
        `${before[1]?.id}\towner=${buyer.userId}\tmaxExpiryDays,maxDownloadsCap`,
      ].sort(),
    );
    expect(lines.at(-1)).toMatch(/^2 of \d+ active links in .* are out of policy$/);
  }, 120_000);

  it("POST /api/links/{id}/rotate refuses a link whose copy would break the policy, and leaves it working", async () => {
    const old = before[1] as { id: string; token: string };
    const refused = await evergate.request("POST", `/api/links/${old.id}/rotate`, { token: buyer.token });
    const problem = await expectPolicyProblem(refused, ["maxExpiryDays", "maxDownloadsCap"]);
    expect(problem.detail).toMatch(/PATCH the link first/);
    await expectServed(old.token);
    const link = await json<{ revokedAt?: string }>(
      await evergate.request("GET", `/api/links/${old.id}`, { token: buyer.token }),
    );
    expect(link.revokedAt).toBeUndefined();
    // Brought into policy, it rotates.
    expect(
      (
        await evergate.request("PATCH", `/api/links/${old.id}`, {
          token: buyer.token,
          json: { expiresAt: inDays(10), maxDownloads: 10 },
        })
      ).status,
    ).toBe(200);
    const rotated = await evergate.request("POST", `/api/links/${old.id}/rotate`, { token: buyer.token });
    expect(rotated.status, await rotated.clone().text()).toBe(201);
  });
});
