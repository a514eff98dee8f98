import { describe, expect, it } from "vitest";
import { EvergateConnectionError, EvergateError, unwrap } from "./errors.ts";
import { evergateFetch } from "./transport.ts";

/** A scripted server: answers in order, records what it was sent. */
function scripted(...answers: Array<Response | Error>) {
  const seen: Request[] = [];
  const bodies: string[] = [];
  const fetch = async (request: Request) => {
    seen.push(request);
    bodies.push(await request.text());
    const next = answers.shift();
    if (!next) throw new Error("no more answers");
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, seen, bodies };
}

const problem = (status: number, code: string, headers: Record<string, string> = {}) =>
  new Response(
    JSON.stringify({
      type: `/api/problems#${code}`,
      title: code,
      status,
      detail: `${code}!`,
      code,
      requestId: "r1",
    }),
    {
      status,
      headers: { "content-type": "application/problem+json", ...headers },
    },
  );

describe("evergateFetch", () => {
  it("sends the key, one Idempotency-Key per POST reused by its retries, and the body's SHA-256", async () => {
    // Prepare
    const waits: number[] = [];
    const server = scripted(
      problem(429, "rate_limited", { "retry-after": "2" }),
      problem(503, "service_unavailable", { "retry-after": "1" }),
      new Response("{}", { status: 201 }),
    );
    const send = evergateFetch({
      apiKey: "evk_x",
      fetch: server.fetch,
      sleep: async (ms) => void waits.push(ms),
    });

    // Act
    const response = await send(
      new Request("http://api.test/api/links", { method: "POST", body: '{"a":1}' }),
    );
    const second = scripted(new Response("{}", { status: 201 }));
    await evergateFetch({ apiKey: "evk_x", fetch: second.fetch })(
      new Request("http://api.test/api/links", { method: "POST", body: "{}" }),
    );

    // Assess
    expect(response.status).toBe(201);
    expect(waits).toEqual([2000, 1000]);
    const keys = server.seen.map((request) => request.headers.get("idempotency-key"));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(second.seen[0]?.headers.get("idempotency-key")).not.toBe(keys[0]);
    expect(server.bodies).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
    expect(server.seen[0]?.headers.get("authorization")).toBe("Bearer evk_x");
    // sha256('{"a":1}')
    expect(server.seen[0]?.headers.get("x-amz-content-sha256")).toBe(
      "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862",
    );
  });

  it("keeps a caller's own Idempotency-Key and sends none on a GET", async () => {
    const server = scripted(new Response("{}"), new Response("{}"));
    const send = evergateFetch({ apiKey: "evk_x", fetch: server.fetch });
    await send(
      new Request("http://api.test/api/links", {
        method: "POST",
        body: "{}",
        headers: { "idempotency-key": "mine" },
      }),
    );
    await send(new Request("http://api.test/api/links"));
    expect(server.seen[0]?.headers.get("idempotency-key")).toBe("mine");
    expect(server.seen[1]?.headers.has("idempotency-key")).toBe(false);
  });

  it("stops after maxRetries and answers the last 429, whose Retry-After the error carries", async () => {
    const server = scripted(
      ...Array.from({ length: 4 }, () => problem(429, "rate_limited", { "retry-after": "1" })),
    );
    const send = evergateFetch({ fetch: server.fetch, retry: { maxRetries: 3 }, sleep: async () => {} });
    const response = await send(new Request("http://api.test/api/links"));
    expect(server.seen).toHaveLength(4);
    const error = (() => {
      try {
        unwrap({ response, error: { code: "rate_limited", status: 429, detail: "slow down" } });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(EvergateError);
    expect(error).toMatchObject({
      status: 429,
      code: "rate_limited",
      detail: "slow down",
      retryAfterSeconds: 1,
    });
  });

  it("does not wait longer than maxDelayMs: a Retry-After above it is answered at once", async () => {
    const waits: number[] = [];
    const server = scripted(problem(503, "service_unavailable", { "retry-after": "120" }));
    const send = evergateFetch({ fetch: server.fetch, sleep: async (ms) => void waits.push(ms) });
    const response = await send(new Request("http://api.test/api/links"));
    expect(response.status).toBe(503);
    expect(waits).toEqual([]);
  });

  it("reads Retry-After as an HTTP-date too", async () => {
    const waits: number[] = [];
    const at = new Date(Date.now() + 3_000).toUTCString();
    const server = scripted(problem(503, "service_unavailable", { "retry-after": at }), new Response("{}"));
    await evergateFetch({ fetch: server.fetch, sleep: async (ms) => void waits.push(ms) })(
      new Request("http://api.test/x"),
    );
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(2_000);
    expect(waits[0]).toBeLessThanOrEqual(3_000);
  });

  it("retries a 409 idempotency_in_progress (the first request with the key still runs), not another 409", async () => {
    const waits: number[] = [];
    const server = scripted(
      problem(409, "idempotency_in_progress", { "retry-after": "1" }),
      new Response("{}", { status: 201 }),
      problem(409, "conflict"),
    );
    const send = evergateFetch({ fetch: server.fetch, sleep: async (ms) => void waits.push(ms) });
    const first = await send(new Request("http://api.test/api/links", { method: "POST", body: "{}" }));
    const second = await send(new Request("http://api.test/api/links", { method: "POST", body: "{}" }));
    expect([first.status, second.status]).toEqual([201, 409]);
    expect(waits).toEqual([1000]);
    expect(server.seen[0]?.headers.get("idempotency-key")).toBe(
      server.seen[1]?.headers.get("idempotency-key"),
    );
  });

  it("retries neither a 4xx nor a 500: those answers would repeat", async () => {
    for (const status of [400, 404, 409, 500]) {
      const server = scripted(problem(status, "x"), new Response("{}"));
      const response = await evergateFetch({ fetch: server.fetch, sleep: async () => {} })(
        new Request("http://api.test/x"),
      );
      expect(response.status).toBe(status);
      expect(server.seen).toHaveLength(1);
    }
  });

  it("resends after a broken connection only what is safe to send twice", async () => {
    // Prepare
    const refused = () => new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
    const get = scripted(refused(), new Response("{}"));
    const post = scripted(refused(), new Response("{}"));
    const unkeyed = scripted(refused(), new Response("{}"));
    const sleep = async () => {};

    // Act
    await evergateFetch({ fetch: get.fetch, sleep })(new Request("http://api.test/x"));
    await evergateFetch({ fetch: post.fetch, sleep })(
      new Request("http://api.test/x", { method: "POST", body: "{}" }),
    );
    const failure = await evergateFetch({ fetch: unkeyed.fetch, sleep, idempotencyKeys: false })(
      new Request("http://api.test/x", { method: "POST", body: "{}" }),
    ).catch((error: unknown) => error);

    // Assess
    expect(get.seen).toHaveLength(2);
    expect(post.seen).toHaveLength(2);
    expect(post.seen[0]?.headers.get("idempotency-key")).toBe(post.seen[1]?.headers.get("idempotency-key"));
    expect(unkeyed.seen).toHaveLength(1);
    expect(failure).toBeInstanceOf(EvergateConnectionError);
    expect((failure as Error).message).toContain("ECONNREFUSED");
  });
});
