import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "#src/config.ts";
import { startTestEvergate, type TestEvergate, type TestProduct, type TestUser } from "../support/harness.ts";

/**
 * Issue 15 §4: Host and X-Forwarded-Host were echoed into created link URLs. A seller's
 * integration that forwards its caller's headers (or a misrouted proxy) would then hand out
 * links to an attacker's host, which collects the tokens. Request headers are trusted only where
 * the deployment says so (ADR 016).
 */

let evergate: TestEvergate;
let user: TestUser;
let product: TestProduct;

beforeAll(async () => {
  evergate = await startTestEvergate();
  user = await evergate.newUser("host");
  product = await evergate.createProduct(user);
});
afterAll(async () => {
  await evergate?.stop();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** fetch() cannot set Host: a raw request, headers exactly as given. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<RawAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: "127.0.0.1",
        port: evergate.port,
        method,
        path,
        headers: {
          authorization: `Bearer ${user.token}`,
          ...(payload
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
            : {}),
          ...headers,
        },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => {
          text += chunk;
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
        );
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

/** Runs with some settings changed on the running app (deps.config is the object the app reads). */
async function withConfig(overrides: Partial<Config>, run: () => Promise<void>) {
  const config = evergate.deps.config as Config;
  const saved = { ...config };
  Object.assign(config, overrides);
  try {
    await run();
  } finally {
    for (const name of Object.keys(config) as Array<keyof Config>) if (!(name in saved)) delete config[name];
    Object.assign(config, saved);
  }
}

const forgedHosts = [
  "evil.example",
  "evil.example:443",
  "localhost.evil.example",
  "127.0.0.1.nip.io:8080",
  "xn--80ak6aa92e.com",
  "EVIL.EXAMPLE",
  "evil-tokens-collector.example:3000",
];
/** Every way a forged host could be offered, with and without the Host itself. */
const forgeries = forgedHosts.flatMap(
  (forged): Array<Record<string, string>> => [
    { "x-forwarded-host": forged },
    { "x-forwarded-host": forged, "x-forwarded-proto": "https" },
    { host: forged },
    { host: forged, "x-forwarded-host": forged, "x-forwarded-proto": "https", forwarded: `host=${forged}` },
  ],
);
const mentionsForgery = (text: string) =>
  forgedHosts.some((forged) => text.toLowerCase().includes(forged.toLowerCase()));

describe("forged Host and X-Forwarded-Host, without PUBLIC_BASE_URL and without APP_ORIGIN_FROM_REQUEST", () => {
  it("never reach a created or rotated link's URL: 5 rounds × 28 forgeries, all http://localhost:{PORT}", async () => {
    expect(evergate.config.PUBLIC_BASE_URL).toBeUndefined();
    expect(evergate.config.APP_ORIGIN_FROM_REQUEST).toBe(false);
    const base = `http://localhost:${evergate.port}`;
    let created = 0;
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(
        forgeries.map((headers) => raw("POST", "/api/links", headers, { productId: product.id })),
      );
      for (const answer of answers) {
        expect(answer.status, answer.body).toBe(201);
        const link = JSON.parse(answer.body) as { id: string; url: string; token: string };
        expect(link.url).toBe(`${base}/l/${link.token}`);
        expect(mentionsForgery(answer.body) || mentionsForgery(JSON.stringify(answer.headers))).toBe(false);
        created++;
      }
    }
    expect(created).toBe(140);

    // Rotating replaces the link: each rotation rotates the one the previous answered.
    let { id } = JSON.parse((await raw("POST", "/api/links", {}, { productId: product.id })).body) as {
      id: string;
    };
    for (const headers of forgeries) {
      const rotated = await raw("POST", `/api/links/${id}/rotate`, headers);
      expect(rotated.status, rotated.body).toBe(201);
      const answer = JSON.parse(rotated.body) as { id: string; url: string; token: string };
      expect(answer.url).toBe(`${base}/l/${answer.token}`);
      id = answer.id;
    }
  }, 60_000);

  it("appear in no other answer of the API either (lists, config, products, downloads, redirects)", async () => {
    const link = JSON.parse((await raw("POST", "/api/links", {}, { productId: product.id })).body) as {
      id: string;
      token: string;
    };
    const paths = [
      "/api/config",
      "/api/health",
      "/api/links",
      `/api/links/${link.id}`,
      "/api/products",
      `/api/products/${product.id}`,
      `/api/products/${product.id}/links`,
      `/api/products/${product.id}/image`,
      `/api/products/${product.id}/download`,
      "/api/me/orders",
      "/api/me/sales",
      "/api/keys",
      `/l/${link.token}`,
      "/l/evg_unknown",
      "/api/nothing-here",
    ];
    for (const headers of forgeries) {
      for (const answer of await Promise.all(paths.map((path) => raw("GET", path, headers)))) {
        expect(answer.status).toBeLessThan(500);
        expect(mentionsForgery(answer.body), answer.body).toBe(false);
        expect(mentionsForgery(JSON.stringify(answer.headers))).toBe(false);
      }
    }
  }, 60_000);
});

describe("where the deployment says whom to trust", () => {
  it("PUBLIC_BASE_URL wins over every forged header", async () => {
    await withConfig({ PUBLIC_BASE_URL: "https://links.example.com/" }, async () => {
      for (const headers of forgeries) {
        const answer = await raw("POST", "/api/links", headers, { productId: product.id });
        const { url, token } = JSON.parse(answer.body) as { url: string; token: string };
        expect(url).toBe(`https://links.example.com/l/${token}`);
      }
    });
  });

  it("APP_ORIGIN_FROM_REQUEST (behind the CloudFront function that overwrites it) uses X-Forwarded-Host", async () => {
    await withConfig({ APP_ORIGIN_FROM_REQUEST: true }, async () => {
      const answer = await raw(
        "POST",
        "/api/links",
        { "x-forwarded-host": "d111.cloudfront.net" },
        {
          productId: product.id,
        },
      );
      const { url, token } = JSON.parse(answer.body) as { url: string; token: string };
      expect(url).toBe(`https://d111.cloudfront.net/l/${token}`);
      // A value that is no host name is not used; the request's own host is.
      const odd = await raw(
        "POST",
        "/api/links",
        { "x-forwarded-host": "a/b@evil.example" },
        {
          productId: product.id,
        },
      );
      expect(
        (JSON.parse(odd.body) as { url: string }).url.startsWith(`https://127.0.0.1:${evergate.port}/l/`),
      ).toBe(true);
    });
  });
});
