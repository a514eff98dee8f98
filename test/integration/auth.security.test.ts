import { createSign, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEvergate, type TestEvergate, type TestUser } from "../support/harness.ts";

let evergate: TestEvergate;
let user: TestUser;

beforeAll(async () => {
  evergate = await startTestEvergate();
  user = await evergate.newUser("auth");
});
afterAll(() => evergate?.stop());

const b64url = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

function decode(token: string) {
  const [header, payload] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(header ?? "", "base64url").toString()),
    payload: JSON.parse(Buffer.from(payload ?? "", "base64url").toString()),
  };
}

function signRs256(header: object, payload: object, privateKey: string) {
  const body = `${b64url(header)}.${b64url(payload)}`;
  const signature = createSign("RSA-SHA256").update(body).sign(privateKey).toString("base64url");
  return `${body}.${signature}`;
}

async function meStatus(token: string) {
  const response = await evergate.request("GET", "/api/me", { token });
  return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
}

describe("GET /api/me", () => {
  it("accepts a valid access token and answers who the caller is", async () => {
    const response = await evergate.request("GET", "/api/me", { token: user.token });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ id: user.userId, username: user.username, via: "user" });
  });

  it("answers 401 problem+json without a token", async () => {
    const response = await evergate.request("GET", "/api/me");
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = await json(response);
    expect(problem).toMatchObject({ status: 401, code: "unauthorized", title: expect.any(String) });
    expect(problem.requestId).toBe(response.headers.get("x-request-id"));
  });
});

describe("attacks on the access token", () => {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });

  const cases: Array<[string, () => Promise<string>]> = [
    ["garbage", async () => "not-a-jwt"],
    [
      "alg none",
      async () => {
        const { header, payload } = decode(user.token);
        return `${b64url({ ...header, alg: "none" })}.${b64url(payload)}.`;
      },
    ],
    [
      "tampered payload (other sub)",
      async () => {
        const [h, , s] = user.token.split(".");
        const { payload } = decode(user.token);
        return `${h}.${b64url({ ...payload, sub: "someone-else" })}.${s}`;
      },
    ],
    [
      "signed by an unknown key with the real kid",
      async () => {
        const { header, payload } = decode(user.token);
        return signRs256(header, payload, privateKey);
      },
    ],
    [
      "unknown kid",
      async () => {
        const { header, payload } = decode(user.token);
        return signRs256({ ...header, kid: "nope" }, payload, privateKey);
      },
    ],
    [
      "HS256 signed with the public JWKS as secret",
      async () => {
        const { header, payload } = decode(user.token);
        const jwks = await (await fetch(evergate.stack.cognito.jwksUri)).text();
        const body = `${b64url({ ...header, alg: "HS256" })}.${b64url(payload)}`;
        const { createHmac } = await import("node:crypto");
        return `${body}.${createHmac("sha256", jwks).update(body).digest("base64url")}`;
      },
    ],
    [
      "id token instead of access token",
      async () => {
        const other = await evergate.stack.login(user.username, "Password.1");
        return other.idToken;
      },
    ],
  ];

  it.each(cases)("refuses %s with 401", async (_name, makeToken) => {
    const result = await meStatus(await makeToken());
    expect(result.status).toBe(401);
    expect(result.type).toBe("application/problem+json");
    expect(result.body).not.toMatch(/stack|at .*\.ts/);
  });

  it("refuses a token from another issuer, another client, or expired (checked claim by claim)", async () => {
    // These need the stand-in's signing key, which ships inside cognito-local (local only).
    const { readFileSync } = await import("node:fs");
    const { createRequire } = await import("node:module");
    const require = createRequire(import.meta.url);
    const keyPath = require.resolve("cognito-local/lib/keys/cognitoLocal.private.json");
    const { jwk } = JSON.parse(readFileSync(keyPath, "utf8"));
    const { createPrivateKey } = await import("node:crypto");
    const pem = createPrivateKey({ key: jwk, format: "jwk" })
      .export({ type: "pkcs8", format: "pem" })
      .toString();
    const { header, payload } = decode(user.token);
    const now = Math.floor(Date.now() / 1000);
    // Sanity: the stand-in's key re-signing the same claims is accepted, so each refusal below is about its claim.
    expect((await meStatus(signRs256(header, payload, pem))).status).toBe(200);
    for (const claims of [
      { iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_evil" },
      { client_id: "another-client" },
      { exp: now - 60, iat: now - 3600 },
      { nbf: now + 3600 },
      { token_use: "id" },
    ]) {
      expect(
        (await meStatus(signRs256(header, { ...payload, ...claims }, pem))).status,
        JSON.stringify(claims),
      ).toBe(401);
    }
  });
});
