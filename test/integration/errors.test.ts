import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "#src/app.ts";
import { json, startTestEvergate, type TestEvergate, type TestUser } from "../support/harness.ts";

let evergate: TestEvergate;
let user: TestUser;

beforeAll(async () => {
  evergate = await startTestEvergate();
  user = await evergate.newUser("errors");
});
afterAll(() => evergate?.stop());

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = await json(response);
  expect(problem).toMatchObject({
    status,
    code,
    type: expect.stringContaining(code.replaceAll("_", "-")),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(problem.requestId).toBe(response.headers.get("x-request-id"));
  await expectTypeExplained(String(problem.type));
  return problem;
}

/** Each problem's `type` resolves, against the API's origin, to a section of the problems page. */
async function expectTypeExplained(type: string) {
  const url = new URL(type, evergate.url);
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toMatch(/^text\/html/);
  expect(await page.text()).toContain(`<section id="${url.hash.slice(1)}">`);
}

describe("GET /api/problems", () => {
  it("explains every error code in its own section", async () => {
    const { errorCodes } = await import("#src/domain/errors.ts");
    for (const code of errorCodes) await expectTypeExplained(`/api/problems#${code.replaceAll("_", "-")}`);
  });
});

describe("errors are problem+json with the right status", () => {
  it("unknown routes → 404", async () => {
    await expectProblem(await evergate.request("GET", "/api/nope"), 404, "not_found");
    await expectProblem(await evergate.request("DELETE", "/api/products"), 404, "not_found");
  });

  it("malformed JSON → 400, a body that is not JSON → 415, too large → 413", async () => {
    const post = (body: string, type: string) =>
      fetch(`${evergate.url.replace("localhost", "127.0.0.1")}/api/links`, {
        method: "POST",
        headers: { authorization: `Bearer ${user.token}`, "content-type": type },
        body,
      });
    await expectProblem(await post("{not json", "application/json"), 400, "malformed_json");
    await expectProblem(
      await post("productId=x", "application/x-www-form-urlencoded"),
      415,
      "unsupported_media_type",
    );
    await expectProblem(
      await post(JSON.stringify({ label: "x".repeat(70_000) }), "application/json"),
      413,
      "payload_too_large",
    );
  });

  it("validation failures → 400 listing each problem", async () => {
    const problem = await expectProblem(
      await evergate.request("POST", "/api/links", {
        token: user.token,
        json: { productId: 42, maxDownloads: -1 },
      }),
      400,
      "invalid_request",
    );
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: "productId" })]));
  });

  it("a request id from the caller is echoed when sane, replaced when not", async () => {
    const kept = await evergate.request("GET", "/api/health", { headers: { "x-request-id": "abc-123" } });
    expect(kept.headers.get("x-request-id")).toBe("abc-123");
    const replaced = await evergate.request("GET", "/api/health", {
      headers: { "x-request-id": "bad id\twith tab" },
    });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("an unexpected error → 500 that leaks nothing, with the stack logged", async () => {
    const lines: string[] = [];
    const broken = createApp({
      ...evergate.deps,
      logger: {
        debug() {},
        info() {},
        warn() {},
        error: (message, fields) => lines.push(JSON.stringify({ message, ...fields })),
      },
      stores: {
        ...evergate.deps.stores,
        products: {
          ...evergate.deps.stores.products,
          listRecent: async () => {
            throw new Error("secret internal detail at /srv/db.ts:42");
          },
        },
      },
    });
    const response = await broken.request("/api/products");
    const problem = await expectProblem(response, 500, "internal_error");
    expect(JSON.stringify(problem)).not.toContain("secret");
    expect(lines.join("\n")).toContain("secret internal detail");
    expect(lines.join("\n")).toContain("stack");
  });

  it("a dependency that does not answer → 503 with Retry-After", async () => {
    const down = createApp({
      ...evergate.deps,
      files: {
        ...evergate.deps.files,
        ping: async () => {
          throw new Error("connect ECONNREFUSED");
        },
      },
    });
    const health = await down.request("/api/health");
    expect(health.status).toBe(503);
    expect(health.headers.get("retry-after")).toBe("5");
    expect(await health.json()).toMatchObject({
      status: "degraded",
      dependencies: { s3: "down", dynamodb: "up", identity: "up" },
    });
    expect((await evergate.request("GET", "/api/health")).status).toBe(200);
  });
});

describe("GET /api/config", () => {
  it("gives the webapp what it needs and nothing secret", async () => {
    const config = await json(await evergate.request("GET", "/api/config"));
    expect(config).toMatchObject({
      clientId: evergate.stack.cognito.clientId,
      authorizeUrl: evergate.stack.cognito.authorizeUrl,
      tokenUrl: evergate.stack.cognito.tokenUrl,
      region: "us-east-1",
    });
    expect(JSON.stringify(config)).not.toMatch(/S3RVER|secret|password/i);
  });
});
