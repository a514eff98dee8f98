import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEvergate, type TestEvergate, type TestUser } from "../support/harness.ts";

let evergate: TestEvergate;
let user: TestUser;

beforeAll(async () => {
  evergate = await startTestEvergate({
    configOverrides: { LINK_CACHE_WINDOW_SECONDS: "60", LINK_URL_TTL_SECONDS: "300" },
  });
  user = await evergate.newUser("cacher");
});
afterAll(() => evergate?.stop());

describe("caching mode (LINK_CACHE_WINDOW_SECONDS)", () => {
  it("gives every hit in a window the same signed URL, cacheable privately for at most the window", async () => {
    const product = await evergate.createProduct(user);
    const link = await json<{ token: string; id: string }>(
      await evergate.request("POST", "/api/links", { token: user.token, json: { productId: product.id } }),
    );
    // Two clients (the same one twice would be inside its resume grace and not count again).
    const first = await evergate.request("GET", `/l/${link.token}`, { headers: { "user-agent": "one/1" } });
    const second = await evergate.request("GET", `/l/${link.token}`, { headers: { "user-agent": "two/1" } });
    expect(first.status).toBe(302);
    const cacheControl = first.headers.get("cache-control") ?? "";
    expect(cacheControl).toMatch(/^private, max-age=\d+$/);
    expect(Number(cacheControl.split("=")[1])).toBeLessThanOrEqual(60);
    // Two hits a few ms apart fall in the same window unless one straddles its edge.
    const sameWindow = Math.floor(Date.now() / 60_000) === Math.floor((Date.now() - 50) / 60_000);
    if (sameWindow) expect(second.headers.get("location")).toBe(first.headers.get("location"));
    const file = await fetch(first.headers.get("location") ?? "");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(product.deliverableBytes);
    // Hits that reach the gateway are still counted; revocation still applies to them.
    expect((await evergate.deps.stores.links.get(link.id))?.downloadCount).toBe(2);
    await evergate.request("DELETE", `/api/links/${link.id}`, { token: user.token });
    expect((await evergate.request("GET", `/l/${link.token}`)).status).toBe(410);
  });
});
