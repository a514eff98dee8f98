import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  json,
  startTestEvergate,
  type TestEvergate,
  type TestProduct,
  type TestUser,
} from "../support/harness.ts";

/**
 * Per-link policies through the HTTP API and /l/, from the attacker's side: guessing a
 * passphrase, using a link from another network, and a crowd of devices on a device limit.
 * X-Forwarded-For decides the client's address only because this deployment is configured to
 * trust it (CLIENT_ADDRESS_HEADER), as CloudFront's header is in AWS.
 */
let evergate: TestEvergate;
let seller: TestUser;
let buyer: TestUser;
let product: TestProduct;
const logged: string[] = [];

beforeAll(async () => {
  vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => {
    logged.push(parts.map(String).join(" "));
  });
  evergate = await startTestEvergate({
    // A policy hit is two or three writes to the one in-process stand-in: crowds of them on a shared
    // machine need more than the default 2 s per call. The counts asserted do not depend on it.
    configOverrides: {
      CLIENT_ADDRESS_HEADER: "x-forwarded-for",
      LOG_LEVEL: "debug",
      AWS_TIMEOUT_MS: "15000",
    },
  });
  [seller, buyer] = await Promise.all([evergate.newUser("seller"), evergate.newUser("buyer")]);
  product = await evergate.createProduct(seller, { title: "Guarded", filename: "guarded.txt" });
  expect(
    (await evergate.request("POST", `/api/products/${product.id}/orders`, { token: buyer.token })).status,
  ).toBe(201);
});
afterAll(async () => {
  await evergate?.stop();
  vi.restoreAllMocks();
});

async function createLink(body: Record<string, unknown>) {
  const response = await evergate.request("POST", "/api/links", {
    token: buyer.token,
    json: { productId: product.id, ...body },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return json<{ id: string; token: string; passphraseProtected: boolean; boundClients?: number }>(response);
}

/** `count` calls, `size` at a time (one local server answers them all). */
async function inBatches<T>(count: number, size: number, call: (n: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += size) {
    results.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(size, count - start) }, (_, i) => call(start + i)),
      )),
    );
  }
  return results;
}

const hit = (
  token: string,
  options: { method?: string; from?: string; agent?: string; headers?: Record<string, string> } = {},
) =>
  evergate.request(options.method ?? "POST", `/l/${token}`, {
    headers: {
      "user-agent": options.agent ?? "curl/8.5.0",
      "x-forwarded-for": options.from ?? "198.51.100.7",
      ...options.headers,
    },
    redirect: "manual",
  });

describe("a passphrase link", () => {
  const passphrase = "tangerine-otter-42";

  it("never redirects on a GET, asks for the passphrase, and serves the right one", async () => {
    const link = await createLink({ passphrase });
    expect(link.passphraseProtected).toBe(true);
    expect(JSON.stringify(link)).not.toContain("scrypt");

    const get = await hit(link.token, { method: "GET" });
    expect(get.status).toBe(409);
    expect((await json<{ code: string; detail: string }>(get)).detail).toContain("Evergate-Passphrase");
    const getWithPassphrase = await hit(link.token, {
      method: "GET",
      headers: { "evergate-passphrase": passphrase },
    });
    expect(getWithPassphrase.status).toBe(409);

    const bare = await hit(link.token);
    expect(bare.status).toBe(403);
    expect((await json<{ code: string }>(bare)).code).toBe("passphrase_required");

    const right = await hit(link.token, { headers: { "evergate-passphrase": passphrase } });
    expect(right.status).toBe(303);
    const file = await fetch(right.headers.get("location") as string);
    expect(new TextDecoder().decode(await file.arrayBuffer())).toBe(
      new TextDecoder().decode(product.deliverableBytes),
    );
  });

  it("guessing: 4 wrong answers say how many are left, the 5th locks, and then even the right one is refused", async () => {
    const link = await createLink({ passphrase });
    const answers = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await hit(link.token, { headers: { "evergate-passphrase": `guess-${attempt}` } });
      answers.push({
        status: response.status,
        body: await json<{ code: string; attemptsLeft?: number }>(response),
      });
    }
    expect(answers.map((answer) => [answer.status, answer.body.code, answer.body.attemptsLeft])).toEqual([
      [403, "passphrase_incorrect", 4],
      [403, "passphrase_incorrect", 3],
      [403, "passphrase_incorrect", 2],
      [403, "passphrase_incorrect", 1],
      [429, "passphrase_locked", undefined],
    ]);
    const lockedOut = await hit(link.token, { headers: { "evergate-passphrase": passphrase } });
    expect(lockedOut.status).toBe(429);
    expect(Number(lockedOut.headers.get("retry-after"))).toBeGreaterThan(800);
    expect((await json<{ code: string }>(lockedOut)).code).toBe("passphrase_locked");
    expect((await evergate.deps.stores.links.get(link.id))?.downloadCount).toBe(0);
  });

  it("300 guesses from 300 addresses, 30 at a time: 4 are told 'wrong', the rest locked; 5 hashed, none served", async () => {
    const link = await createLink({ passphrase });
    const responses = await inBatches(300, 30, (n) =>
      hit(link.token, {
        from: `203.0.${Math.floor(n / 250)}.${n % 250}`,
        headers: { "evergate-passphrase": `guess-${n}` },
      }),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status !== 403 && status !== 429)).toEqual([]);
    expect(statuses.filter((status) => status === 403)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(296);
    expect(statuses.filter((status) => status === 303)).toHaveLength(0);
    expect(statuses.filter((status) => status !== 403 && status !== 429)).toEqual([]);
    const stored = await evergate.deps.stores.links.get(link.id);
    expect(stored?.passphraseFails).toBe(5);
    expect(stored?.downloadCount).toBe(0);
  }, 120_000);

  it("a new passphrase (PATCH) replaces the old one and clears the lock; null removes it", async () => {
    const link = await createLink({ passphrase });
    for (let attempt = 0; attempt < 5; attempt += 1)
      await hit(link.token, { headers: { "evergate-passphrase": "no" } });
    const patched = await evergate.request("PATCH", `/api/links/${link.id}`, {
      token: buyer.token,
      json: { passphrase: "a whole new one" },
    });
    expect(patched.status).toBe(200);
    expect((await hit(link.token, { headers: { "evergate-passphrase": passphrase } })).status).toBe(403);
    expect((await hit(link.token, { headers: { "evergate-passphrase": "a whole new one" } })).status).toBe(
      303,
    );
    await evergate.request("PATCH", `/api/links/${link.id}`, {
      token: buyer.token,
      json: { passphrase: null },
    });
    expect((await hit(link.token, { method: "GET", agent: "other/1" })).status).toBe(302);
  });

  it("is never logged, stored in clear, or shown: not in the logs, the item, or any API answer", async () => {
    const secret = "never-in-any-log-7731";
    const link = await createLink({ passphrase: secret });
    await hit(link.token, { headers: { "evergate-passphrase": secret } });
    await hit(link.token, { headers: { "evergate-passphrase": `${secret}-wrong` }, agent: "x/2" });
    const read = await evergate.request("GET", `/api/links/${link.id}`, { token: buyer.token });
    const listed = await evergate.request("GET", "/api/links", { token: buyer.token });
    expect(logged.length).toBeGreaterThan(0);
    for (const text of [...logged, await read.text(), await listed.text()]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain("scrypt$");
    }
    const stored = await evergate.deps.stores.links.get(link.id);
    expect(JSON.stringify(stored)).not.toContain(secret);
  });
});

describe("a link limited to networks", () => {
  it("serves addresses inside its blocks, IPv4 and IPv6, and refuses every other with a reason", async () => {
    const link = await createLink({ allowedNetworks: ["203.0.113.0/24", "2001:DB8:AA::/48", "203.0.113.9"] });
    const stored = await evergate.deps.stores.links.get(link.id);
    expect(stored?.allowedNetworks).toEqual(["203.0.113.0/24", "2001:db8:aa::/48", "203.0.113.9/32"]);
    const inside = ["203.0.113.1", "203.0.113.254", "2001:db8:aa:1::5", "::ffff:203.0.113.77"];
    const outside = ["203.0.114.1", "198.51.100.1", "2001:db8:ab::1", "10.0.0.1", "::1"];
    for (const from of inside)
      expect((await hit(link.token, { method: "GET", from })).status, from).toBe(302);
    for (const from of outside) {
      const response = await hit(link.token, { method: "GET", from });
      expect(response.status, from).toBe(403);
      expect(await json(response)).toMatchObject({ code: "link_network_refused", reason: "network" });
    }
    const page = await hit(link.token, {
      method: "GET",
      from: "192.0.2.1",
      headers: { accept: "text/html" },
    });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("cannot be used from your network");
    expect((await evergate.deps.stores.links.get(link.id))?.downloadCount).toBe(inside.length);
  });

  it("1,000 addresses outside the list: every one refused, none counted", async () => {
    const link = await createLink({ allowedNetworks: ["192.0.2.0/28"] });
    const responses = await inBatches(1000, 50, (n) =>
      hit(link.token, { method: "GET", from: `192.0.${2 + Math.floor(n / 240)}.${16 + (n % 240)}` }),
    );
    expect(responses.map((response) => response.status).filter((status) => status !== 403)).toEqual([]);
    expect((await evergate.deps.stores.links.get(link.id))?.downloadCount).toBe(0);
  }, 120_000);

  it("refuses a list that is not CIDR blocks", async () => {
    for (const allowedNetworks of [["10.0.0.0/33"], ["example.com"], [], Array(21).fill("10.0.0.0/8")]) {
      const response = await evergate.request("POST", "/api/links", {
        token: buyer.token,
        json: { productId: product.id, allowedNetworks },
      });
      expect(response.status, JSON.stringify(allowedNetworks)).toBe(400);
    }
  });
});

describe("a link with a device limit", () => {
  it("50 distinct devices racing on maxClients 3: exactly 3 get the file, 47 a clear refusal", async () => {
    const link = await createLink({ maxClients: 3 });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        hit(link.token, { agent: `device/${n}`, from: `198.51.100.${n + 1}` }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status !== 303 && status !== 403)).toEqual([]);
    expect(statuses.filter((status) => status === 303)).toHaveLength(3);
    expect(statuses.filter((status) => status === 403)).toHaveLength(47);
    const refusal = await json<{ code: string }>(responses[statuses.indexOf(403)] as Response);
    expect(refusal.code).toBe("link_device_limit");
    const view = await json<{ boundClients: number; maxClients: number }>(
      await evergate.request("GET", `/api/links/${link.id}`, { token: buyer.token }),
    );
    expect(view).toMatchObject({ boundClients: 3, maxClients: 3 });
    // A bound device keeps working; a GET binds nobody.
    const bound = statuses.indexOf(303);
    expect(
      (await hit(link.token, { agent: `device/${bound}`, from: `198.51.100.${bound + 1}` })).status,
    ).toBe(303);
    expect((await hit(link.token, { method: "GET", agent: "device/new", from: "192.0.2.200" })).status).toBe(
      403,
    );
  }, 120_000);

  it("the owner resets the bound devices; a stranger cannot", async () => {
    const link = await createLink({ maxClients: 1, graceSeconds: 0 });
    expect((await hit(link.token, { agent: "first/1" })).status).toBe(303);
    expect((await hit(link.token, { agent: "second/1" })).status).toBe(403);
    expect(
      (await evergate.request("DELETE", `/api/links/${link.id}/clients`, { token: seller.token })).status,
    ).toBe(404);
    const reset = await evergate.request("DELETE", `/api/links/${link.id}/clients`, { token: buyer.token });
    expect(reset.status).toBe(200);
    expect(await json(reset)).toMatchObject({ boundClients: 0 });
    expect((await hit(link.token, { agent: "second/1" })).status).toBe(303);
    expect((await hit(link.token, { agent: "first/1" })).status).toBe(403);
  });
});
