import { describe, expect, it } from "vitest";
import { DependencyUnavailableError } from "#src/domain/errors.ts";
import { cognitoUserStatus, userPoolOf } from "./user-status.ts";

/**
 * The cache and outage rules of cognitoUserStatus, with Cognito's HTTP layer answered in-process
 * (the real SDK client parses the answers). The real Cognito path — disable, enable, delete — is
 * test/integration/disabled-users.security.test.ts against cognito-local.
 */
function fakeCognito(users: Record<string, boolean>) {
  const state = { requests: 0, reachable: true };
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    response: {
      statusCode: status,
      headers: { "content-type": "application/x-amz-json-1.1", ...headers },
      body: new TextEncoder().encode(JSON.stringify(body)),
    },
  });
  const handler = {
    async handle(request: { body?: unknown }) {
      state.requests += 1;
      if (!state.reachable) {
        throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
      }
      const { Username } = JSON.parse(String(request.body)) as { Username: string };
      const enabled = users[Username];
      if (enabled === undefined) {
        return json(
          400,
          { __type: "UserNotFoundException", message: "User does not exist." },
          { "x-amzn-errortype": "UserNotFoundException" },
        );
      }
      return json(200, { Username, Enabled: enabled, UserAttributes: [] });
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return { state, handler };
}

function statusCheck(users: Record<string, boolean>, cacheSeconds = 60) {
  const cognito = fakeCognito(users);
  const clock = { now: 1_000_000 };
  const isActive = cognitoUserStatus({
    userPoolId: "eu-west-1_Test",
    cacheSeconds,
    now: () => clock.now,
    clientConfig: {
      region: "eu-west-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      requestHandler: cognito.handler as never,
      maxAttempts: 1,
    },
  });
  return { isActive, cognito, clock };
}

describe("cognitoUserStatus", () => {
  it("answers enabled, disabled and unknown users", async () => {
    const { isActive } = statusCheck({ alice: true, bob: false });
    expect(await isActive("alice")).toBe(true);
    expect(await isActive("bob")).toBe(false);
    expect(await isActive("carol")).toBe(false);
  });

  it("reuses an answer for cacheSeconds, then asks again", async () => {
    const users = { alice: true };
    const { isActive, cognito, clock } = statusCheck(users, 60);
    expect(await isActive("alice")).toBe(true);
    users.alice = false;
    clock.now += 59_000;
    expect(await isActive("alice")).toBe(true);
    expect(cognito.state.requests).toBe(1);
    clock.now += 1_000;
    expect(await isActive("alice")).toBe(false);
    expect(cognito.state.requests).toBe(2);
  });

  it("with cacheSeconds 0 asks every time", async () => {
    const { isActive, cognito } = statusCheck({ alice: true }, 0);
    await isActive("alice");
    await isActive("alice");
    expect(cognito.state.requests).toBe(2);
  });

  it("shares one lookup between concurrent requests for a user", async () => {
    const { isActive, cognito } = statusCheck({ alice: true });
    expect(await Promise.all([isActive("alice"), isActive("alice"), isActive("alice")])).toEqual([
      true,
      true,
      true,
    ]);
    expect(cognito.state.requests).toBe(1);
  });

  it("while Cognito is unreachable: a known user keeps the last answer for another window, an unknown one is a 503", async () => {
    const { isActive, cognito, clock } = statusCheck({ alice: true, bob: false });
    expect(await isActive("alice")).toBe(true);
    expect(await isActive("bob")).toBe(false);
    cognito.state.reachable = false;
    clock.now += 61_000;
    expect(await isActive("alice")).toBe(true);
    expect(await isActive("bob")).toBe(false);
    const asked = cognito.state.requests;
    clock.now += 30_000;
    expect(await isActive("alice")).toBe(true);
    expect(cognito.state.requests).toBe(asked);
    await expect(isActive("carol")).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});

describe("userPoolOf", () => {
  it("takes the pool id and region from a Cognito issuer, the pool id from a stand-in's", () => {
    expect(userPoolOf("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123")).toEqual({
      userPoolId: "eu-west-1_AbC123",
      region: "eu-west-1",
    });
    expect(userPoolOf("http://127.0.0.1:9229/local_5VtVh0Pw")).toEqual({
      userPoolId: "local_5VtVh0Pw",
      region: undefined,
    });
  });
});
