import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminDisableUserCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { JwtVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../src/local/stack.ts";

const webOrigin = "http://localhost:5173";
const callbackUrl = `${webOrigin}/auth/callback`;
let stack: LocalStack;
let dynamo: DynamoDBClient;
let s3: S3Client;

beforeAll(async () => {
  stack = await startLocalStack({
    allowedOrigins: [webOrigin],
    callbackUrls: [callbackUrl],
    logoutUrls: [`${webOrigin}/`],
    users: [{ username: "user1", password: "Password.1" }],
  });
  dynamo = new DynamoDBClient({
    region: stack.region,
    endpoint: stack.dynamoEndpoint,
    credentials: stack.credentials,
  });
  s3 = new S3Client({
    region: stack.region,
    endpoint: stack.s3Endpoint,
    credentials: stack.credentials,
    forcePathStyle: true,
  });
});

afterAll(async () => {
  dynamo?.destroy();
  s3?.destroy();
  await stack?.stop();
});

function decodePayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
}

describe("DynamoDB stand-in", () => {
  it("has the table with both GSIs", async () => {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: stack.tableName }));

    expect(Table?.TableStatus).toBe("ACTIVE");
    expect(Table?.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    const indexes = Object.fromEntries(
      (Table?.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index.KeySchema]),
    );
    expect(indexes).toEqual({
      gsi1: [
        { AttributeName: "gsi1pk", KeyType: "HASH" },
        { AttributeName: "gsi1sk", KeyType: "RANGE" },
      ],
      gsi2: [
        { AttributeName: "gsi2pk", KeyType: "HASH" },
        { AttributeName: "gsi2sk", KeyType: "RANGE" },
      ],
    });
  });

  it("applies a conditional UpdateItem once and refuses the repeat", async () => {
    const createOnce = () =>
      dynamo.send(
        new UpdateItemCommand({
          TableName: stack.tableName,
          Key: { pk: { S: "LINK#1" }, sk: { S: "LINK" } },
          UpdateExpression: "SET #state = :active",
          ConditionExpression: "attribute_not_exists(pk)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":active": { S: "active" } },
        }),
      );

    await createOnce();

    await expect(createOnce()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const { Item } = await dynamo.send(
      new GetItemCommand({ TableName: stack.tableName, Key: { pk: { S: "LINK#1" }, sk: { S: "LINK" } } }),
    );
    expect(Item?.state).toEqual({ S: "active" });
  });
});

describe("S3 stand-in", () => {
  const preflight = (origin: string) =>
    fetch(`${stack.s3Endpoint}/${stack.bucket}/pending/upload.bin`, {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type",
      },
    });

  it("has the bucket", async () => {
    await expect(s3.send(new HeadBucketCommand({ Bucket: stack.bucket }))).resolves.toBeDefined();
  });

  it("answers a preflight from an allowed origin with that origin", async () => {
    const response = await preflight(webOrigin);

    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(webOrigin);
    expect(response.headers.get("access-control-allow-methods")).toContain("PUT");
  });

  it("refuses a preflight from another origin", async () => {
    const response = await preflight("https://evil.example");

    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("Cognito stand-in", () => {
  it("logs in with USER_PASSWORD_AUTH and issues an access token for the client", async () => {
    const { accessToken, idToken } = await stack.login("user1", "Password.1");

    expect(decodePayload(accessToken)).toMatchObject({
      token_use: "access",
      client_id: stack.cognito.clientId,
      iss: stack.cognito.issuer,
      username: "user1",
    });
    expect(decodePayload(idToken)).toMatchObject({ token_use: "id", aud: stack.cognito.clientId });
    expect(stack.cognito.issuer).toBe(`${stack.cognito.endpoint}/${stack.cognito.userPoolId}`);
  });

  it("refuses a wrong password", async () => {
    await expect(stack.login("user1", "Wrong.Password1")).rejects.toThrow();
  });

  it("serves an RS256 key at jwksUri that verifies its tokens", async () => {
    const jwks = (await (await fetch(stack.cognito.jwksUri)).json()) as {
      keys: Array<Record<string, string>>;
    };
    expect(jwks.keys).toContainEqual(expect.objectContaining({ kty: "RSA", alg: "RS256", use: "sig" }));

    // aws-jwt-verify's own fetcher speaks only https:, so the plain-http JWKS needs another fetcher
    const httpJwksCache = new SimpleJwksCache({
      fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() },
    });
    const verifier = JwtVerifier.create(
      {
        issuer: stack.cognito.issuer,
        jwksUri: stack.cognito.jwksUri,
        audience: null,
        customJwtCheck: ({ payload }) => {
          if (payload.token_use !== "access" || payload.client_id !== stack.cognito.clientId) {
            throw new Error("not an access token for the webapp");
          }
        },
      },
      { jwksCache: httpJwksCache },
    );
    const { accessToken } = await stack.login("user1", "Password.1");

    await expect(verifier.verify(accessToken)).resolves.toMatchObject({ username: "user1" });
  });

  it("createUser returns the sub that ends up in the tokens", async () => {
    const { sub } = await stack.createUser("user2", "Password.2");

    const { accessToken } = await stack.login("user2", "Password.2");

    expect(decodePayload(accessToken).sub).toBe(sub);
  });

  it("refuses a disabled user", async () => {
    await stack.createUser("user3", "Password.3");
    const cognito = new CognitoIdentityProviderClient({
      region: stack.region,
      endpoint: stack.cognito.endpoint,
      credentials: stack.credentials,
    });
    await cognito.send(
      new AdminDisableUserCommand({ UserPoolId: stack.cognito.userPoolId, Username: "user3" }),
    );
    cognito.destroy();

    await expect(stack.login("user3", "Password.3")).rejects.toThrow(/disabled/);
  });
});

describe("Cognito hosted login with code + PKCE", () => {
  const newVerifier = () => randomBytes(32).toString("base64url");
  const challengeOf = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

  function authorizeUrl(challenge: string, extra: Record<string, string> = {}): string {
    const url = new URL(stack.cognito.authorizeUrl);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: stack.cognito.clientId,
      redirect_uri: callbackUrl,
      scope: "openid email profile",
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "x",
      ...extra,
    }).toString();
    return url.toString();
  }

  /** Reads the form's hidden fields and posts them with the credentials, as a browser would. */
  async function submitLoginForm(html: string, username: string, password: string): Promise<Response> {
    const action = /<form method="POST" action="([^"]+)"/.exec(html)?.[1];
    expect(action).toBe("/oauth2/authorize");
    const fields = new URLSearchParams();
    for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
      fields.set(name ?? "", decodeHtml(value ?? ""));
    }
    fields.set("username", username);
    fields.set("password", password);
    return fetch(new URL(action ?? "", stack.cognito.endpoint), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: fields,
      redirect: "manual",
    });
  }

  async function codeFor(verifier: string): Promise<string> {
    const page = await fetch(authorizeUrl(challengeOf(verifier)));
    const submitted = await submitLoginForm(await page.text(), "user1", "Password.1");
    expect(submitted.status).toBe(302);
    const location = new URL(submitted.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(callbackUrl);
    expect(location.searchParams.get("state")).toBe("x");
    return location.searchParams.get("code") ?? "";
  }

  const exchange = (code: string, verifier: string) =>
    fetch(stack.cognito.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: stack.cognito.clientId,
        redirect_uri: callbackUrl,
        code,
        code_verifier: verifier,
      }),
    });

  it("GET authorize returns an HTML login form", async () => {
    const response = await fetch(authorizeUrl(challengeOf(newVerifier())));

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('name="username"');
    expect(html).toContain('name="password"');
  });

  it("redirects with a code that the token endpoint exchanges for tokens with the right verifier", async () => {
    const verifier = newVerifier();
    const code = await codeFor(verifier);

    const response = await exchange(code, verifier);

    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Record<string, string>;
    expect(decodePayload(tokens.access_token ?? "")).toMatchObject({
      token_use: "access",
      client_id: stack.cognito.clientId,
      iss: stack.cognito.issuer,
    });
    expect(tokens.id_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
  });

  it("refuses a wrong code_verifier", async () => {
    const code = await codeFor(newVerifier());

    const response = await exchange(code, newVerifier());

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("refuses a code used twice", async () => {
    const verifier = newVerifier();
    const code = await codeFor(verifier);
    await exchange(code, verifier);

    expect((await exchange(code, verifier)).status).toBe(400);
  });

  it("refuses an unregistered redirect_uri and a scope the client lacks", async () => {
    const challenge = challengeOf(newVerifier());

    expect((await fetch(authorizeUrl(challenge, { redirect_uri: "https://evil.example/cb" }))).status).toBe(
      400,
    );
    expect(
      (await fetch(authorizeUrl(challenge, { scope: "openid aws.cognito.signin.user.admin" }))).status,
    ).toBe(400);
  });

  it("shows the form again, without a code, for a wrong password", async () => {
    const page = await fetch(authorizeUrl(challengeOf(newVerifier())));

    const submitted = await submitLoginForm(await page.text(), "user1", "nope");

    expect(submitted.status).toBe(200);
    expect(await submitted.text()).toContain("Incorrect username or password.");
  });

  it("escapes request values echoed into the form", async () => {
    const response = await fetch(
      authorizeUrl(challengeOf(newVerifier()), { state: `"><script>alert(1)</script>` }),
    );

    const html = await response.text();

    expect(html).not.toContain("<script>");
    expect(html).toContain("&#34;&#62;&#60;script&#62;");
  });
});

describe("persistence and shutdown", () => {
  it("reuses pool, client, table and bucket contents across restarts of the same dataDir", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "evergate-persist-"));
    const options = { dataDir, allowedOrigins: [webOrigin], callbackUrls: [callbackUrl] };
    try {
      const first = await startLocalStack({
        ...options,
        users: [{ username: "keeper", password: "Password.1" }],
      });
      const client = new DynamoDBClient({
        region: first.region,
        endpoint: first.dynamoEndpoint,
        credentials: first.credentials,
      });
      await client.send(
        new UpdateItemCommand({
          TableName: first.tableName,
          Key: { pk: { S: "KEEP" }, sk: { S: "KEEP" } },
          UpdateExpression: "SET v = :v",
          ExpressionAttributeValues: { ":v": { S: "1" } },
        }),
      );
      client.destroy();
      await first.stop();

      const second = await startLocalStack(options);
      try {
        expect(second.cognito.userPoolId).toBe(first.cognito.userPoolId);
        expect(second.cognito.clientId).toBe(first.cognito.clientId);
        await expect(second.login("keeper", "Password.1")).resolves.toHaveProperty("accessToken");
        const reader = new DynamoDBClient({
          region: second.region,
          endpoint: second.dynamoEndpoint,
          credentials: second.credentials,
        });
        const { Item } = await reader.send(
          new GetItemCommand({ TableName: second.tableName, Key: { pk: { S: "KEEP" }, sk: { S: "KEEP" } } }),
        );
        reader.destroy();
        expect(Item?.v).toEqual({ S: "1" });
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("stop() leaves no cognito-local process and no temp dir, and can be called twice", async () => {
    const own = await startLocalStack({ allowedOrigins: [webOrigin], callbackUrls: [callbackUrl] });
    const { pid } = own.cognito;
    expect(isAlive(pid)).toBe(true);
    expect(existsSync(own.dataDir)).toBe(true);

    await own.stop();
    await own.stop();

    expect(isAlive(pid)).toBe(false);
    await expect(fetch(`${own.cognito.endpoint}/health`)).rejects.toThrow();
    await expect(fetch(`${own.s3Endpoint}/`)).rejects.toThrow();
    await expect(fetch(own.dynamoEndpoint)).rejects.toThrow();
    expect(existsSync(own.dataDir)).toBe(false);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function decodeHtml(value: string): string {
  return value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}
