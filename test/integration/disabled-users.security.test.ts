import {
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEvergate, type TestEvergate, type TestUser } from "../support/harness.ts";

/**
 * Disabling or deleting a user in Cognito locks them out of the API: their access token and
 * their API keys alike (a key would otherwise outlive the account). The answer is cached per
 * instance for USER_STATUS_CACHE_SECONDS; 0 here, so each request asks.
 */
let evergate: TestEvergate;
let cognito: CognitoIdentityProviderClient;

beforeAll(async () => {
  evergate = await startTestEvergate({ configOverrides: { USER_STATUS_CACHE_SECONDS: "0" } });
  const { stack } = evergate;
  cognito = new CognitoIdentityProviderClient({
    region: stack.region,
    endpoint: stack.cognito.endpoint,
    credentials: stack.credentials,
  });
});
afterAll(async () => {
  cognito?.destroy();
  await evergate?.stop();
});

async function userWithKey(prefix: string) {
  const user = await evergate.newUser(prefix);
  const created = await evergate.request("POST", "/api/keys", {
    token: user.token,
    json: { name: "backend", scopes: ["links:read"] },
  });
  expect(created.status).toBe(201);
  const { key } = await json<{ key: string }>(created);
  return { user, key };
}

const statusWith = async (token: string) => (await evergate.request("GET", "/api/links", { token })).status;
const adminCommands = {
  disable: AdminDisableUserCommand,
  enable: AdminEnableUserCommand,
  delete: AdminDeleteUserCommand,
};
async function admin(user: TestUser, action: keyof typeof adminCommands) {
  const input = { UserPoolId: evergate.stack.cognito.userPoolId, Username: user.username };
  const Command = adminCommands[action];
  await cognito.send(new Command(input) as AdminDisableUserCommand);
}

describe("a user disabled or deleted in Cognito", () => {
  it("loses the API with their access token and their API keys, and gets it back when enabled", async () => {
    const { user, key } = await userWithKey("disabled");
    const bystander = await userWithKey("bystander");
    expect(await statusWith(user.token)).toBe(200);
    expect(await statusWith(key)).toBe(200);

    await admin(user, "disable");
    const refused = await evergate.request("GET", "/api/links", { token: key });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await statusWith(user.token)).toBe(401);
    expect((await evergate.request("GET", "/api/me", { token: user.token })).status).toBe(401);
    // Nobody else is affected.
    expect(await statusWith(bystander.key)).toBe(200);
    expect(await statusWith(bystander.user.token)).toBe(200);

    await admin(user, "enable");
    expect(await statusWith(key)).toBe(200);
    expect(await statusWith(user.token)).toBe(200);
  });

  it("once deleted, is refused for good, key and token", async () => {
    const { user, key } = await userWithKey("deleted");
    expect(await statusWith(key)).toBe(200);
    await admin(user, "delete");
    expect(await statusWith(key)).toBe(401);
    expect(await statusWith(user.token)).toBe(401);
  });

  it("the links they handed out keep working: a buyer's download does not depend on the seller's account", async () => {
    const seller = await evergate.newUser("seller");
    const product = await evergate.createProduct(seller);
    const created = await evergate.request("POST", "/api/links", {
      token: seller.token,
      json: { productId: product.id },
    });
    const { token } = await json<{ token: string }>(created);
    await admin(seller, "disable");
    const followed = await evergate.request("GET", `/l/${token}`, { redirect: "manual" });
    expect(followed.status).toBe(302);
  });
});

describe("when Cognito's API cannot be reached", () => {
  it("an authenticated request is a 503 with Retry-After, never a pass and never a 500", async () => {
    const unreachable = await startTestEvergate({
      configOverrides: {
        USER_STATUS_CACHE_SECONDS: "0",
        COGNITO_ENDPOINT: "http://127.0.0.1:9",
        AWS_TIMEOUT_MS: "300",
        AWS_MAX_ATTEMPTS: "1",
      },
    });
    try {
      const user = await unreachable.newUser("outage");
      const response = await unreachable.request("GET", "/api/links", { token: user.token });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBeTruthy();
      expect(await json<{ code: string }>(response)).toMatchObject({ code: "service_unavailable" });
      // Public routes need no identity: the shop stays browsable.
      expect((await unreachable.request("GET", "/api/products")).status).toBe(200);
    } finally {
      await unreachable.stop();
    }
  });
});
