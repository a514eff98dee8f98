import { generateKeyPairSync, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Link } from "#src/domain/link.ts";
import { newId } from "#src/domain/token.ts";
import { POLICY_REPORT_SCAN_BUDGET } from "#src/services/policy-report.ts";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";

/**
 * GET /api/admin/links-out-of-policy (issue 18 §2, ADR 025 addendum): the admin report as a route
 * for members of the Cognito group `admin`, in bounded pages over a table of 3,000 links made
 * before the deployment required maxDownloads. The group comes from the access token's
 * `cognito:groups`, which the stand-in signs as Cognito does; a token edited to claim it is refused.
 */
const OUT_OF_POLICY = 3000;
let evergate: TestEvergate;
let seller: TestUser;
let admin: TestUser;
let product: TestProduct;
const outOfPolicy = new Set<string>();
const inPolicy: string[] = [];

interface ReportPage {
  items: { id: string; ownerId: string; productId?: string; violations: { rule: string; path: string }[] }[];
  nextCursor?: string;
}

const report = (token: string, query = "") =>
  evergate.request("GET", `/api/admin/links-out-of-policy${query}`, { token });

beforeAll(async () => {
  evergate = await startTestEvergate({ configOverrides: { AWS_TIMEOUT_MS: "15000" } });
  [seller, admin] = await Promise.all([evergate.newUser("seller"), evergate.newUser("admin")]);
  await evergate.stack.addUserToGroup(admin.username, "admin");
  admin = { ...admin, token: (await evergate.stack.login(admin.username, "Password.1")).accessToken };
  product = await evergate.createProduct(seller, { title: "Old links", filename: "old.txt" });
  // The links a deployment had before it set LINK_REQUIRE_MAX_DOWNLOADS, written through the real
  // DynamoDB store (3,000 API calls would only test the API's speed).
  const template = (await json<{ id: string }>(
    await evergate.request("POST", "/api/links", { token: seller.token, json: { productId: product.id } }),
  )) as { id: string };
  const stored = (await evergate.deps.stores.links.get(template.id)) as Link;
  outOfPolicy.add(stored.id);
  const links = Array.from({ length: OUT_OF_POLICY + 20 }, (_, index): Link => {
    const id = `${newId()}${newId()}${newId()}${newId()}`.slice(0, 43);
    return {
      ...stored,
      id,
      // Each owner holds its links to the product under the per-owner cap.
      ownerId: `owner-${index % 10}`,
      createdAt: new Date(Date.now() - index * 1000).toISOString(),
      ...(index >= OUT_OF_POLICY ? { maxDownloads: 5 } : {}),
    };
  });
  for (let start = 0; start < links.length; start += 50) {
    await Promise.all(
      links.slice(start, start + 50).map(async (link) => {
        expect(await evergate.deps.stores.links.put(link, 10_000)).toBe(true);
      }),
    );
  }
  for (const link of links) {
    if (link.maxDownloads === undefined) outOfPolicy.add(link.id);
    else inPolicy.push(link.id);
  }
  // A revoked link is out of everyone's way: not listed.
  const revoked = links[0] as Link;
  await evergate.deps.stores.links.revoke(revoked.id, revoked.ownerId, new Date());
  outOfPolicy.delete(revoked.id);
  Object.assign(evergate.deps.config, { LINK_REQUIRE_MAX_DOWNLOADS: true });
}, 300_000);
afterAll(async () => {
  await evergate?.stop();
});

describe("GET /api/admin/links-out-of-policy", () => {
  it("an admin walks every active link out of policy, each once, in pages bounded per request", async () => {
    const seen: string[] = [];
    const scansPerRequest: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let scans = 0;
    const stopCounting = evergate.stack.onDynamoRequest((operation) => {
      if (operation === "Scan") scans++;
    });
    try {
      do {
        scans = 0;
        const response = await report(
          admin.token,
          `?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        expect(response.status, await response.clone().text()).toBe(200);
        const page = await json<ReportPage>(response);
        scansPerRequest.push(scans);
        expect(page.items.length).toBeLessThanOrEqual(100);
        for (const item of page.items) {
          expect(item.violations).toEqual([expect.objectContaining({ rule: "requireMaxDownloads" })]);
          expect(item.productId).toBe(product.id);
        }
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
        if (++pages > 1000) throw new Error("the report never ends");
      } while (cursor);
    } finally {
      stopCounting();
    }
    expect(seen.length).toBe(outOfPolicy.size);
    expect(new Set(seen)).toEqual(outOfPolicy);
    for (const id of inPolicy) expect(seen).not.toContain(id);
    // Each link is at least its item and its pointer: the table holds more than 2 × 3,000 items,
    // and no request reads more than the budget: a Scan call or a few (DynamoDB ends a call's page
    // at 1 MB; the budget counts items across them), never a walk of the table.
    expect(pages).toBeGreaterThanOrEqual(Math.ceil((2 * OUT_OF_POLICY) / POLICY_REPORT_SCAN_BUDGET));
    expect(Math.max(...scansPerRequest)).toBeLessThanOrEqual(3);
    expect(Math.min(...scansPerRequest)).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it("a seller, an admin's own API key and an anonymous caller are refused", async () => {
    const refused = await report(seller.token);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toMatch(/application\/problem\+json/);
    const problem = await json<{ code: string; detail: string }>(refused);
    expect(problem.code).toBe("insufficient_scope");
    expect(problem.detail).toContain("admin");

    const key = await evergate.request("POST", "/api/keys", {
      token: admin.token,
      json: { name: "admin's key", scopes: ["links:read", "links:write"] },
    });
    expect(key.status, await key.clone().text()).toBe(201);
    const { key: apiKey } = await json<{ key: string }>(key);
    expect((await evergate.request("GET", "/api/links?limit=1", { token: apiKey })).status).toBe(200);
    expect((await report(apiKey)).status).toBe(403);
    expect((await evergate.request("GET", "/api/admin/links-out-of-policy")).status).toBe(401);
  });

  it("a token edited to claim the group, or signed by another key, is refused (401)", async () => {
    const [header = "", payload = "", signature = ""] = seller.token.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    expect(claims["cognito:groups"]).toBeUndefined();
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, "cognito:groups": ["admin"] })).toString(
      "base64url",
    );
    expect((await report(`${header}.${forgedPayload}.${signature}`)).status).toBe(401);

    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const body = `${header}.${forgedPayload}`;
    const ownSignature = sign("RSA-SHA256", Buffer.from(body), privateKey).toString("base64url");
    expect((await report(`${body}.${ownSignature}`)).status).toBe(401);

    const none = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    expect((await report(`${none}.${forgedPayload}.`)).status).toBe(401);
    // The admin's own token, untouched, still works.
    expect((await report(admin.token, "?limit=1")).status).toBe(200);
  });

  it("a cursor edited by hand is a 400 problem, not another page", async () => {
    const first = await json<ReportPage>(await report(admin.token, "?limit=5"));
    expect(first.nextCursor).toBeDefined();
    const [body = "", mac = ""] = (first.nextCursor as string).split(".");
    const position = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { l: string; p: string };
    const edited = Buffer.from(JSON.stringify({ ...position, p: '["LINK#x","LINK"]' })).toString("base64url");
    const response = await report(admin.token, `?cursor=${encodeURIComponent(`${edited}.${mac}`)}`);
    expect(response.status).toBe(400);
    expect((await json<{ code: string }>(response)).code).toBe("invalid_request");
  });
});
