import { DynamoDBClient, paginateScan } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { expect } from "vitest";
import { type ApiKeyScope, apiKeyScopes } from "#src/domain/scopes.ts";
import { filesApi } from "../support/files.ts";
import { json, type TestEvergate, type TestProduct, type TestUser } from "../support/harness.ts";
import { type Answer, contractViolations, operationFor } from "./contract.ts";

/** `npm run soak` sets SOAK=1 (or a bigger factor): every suite multiplies its runs by it. */
export const soakFactor = Math.max(0, Number(process.env.SOAK ?? "0") || 0);
export const soaking = soakFactor > 0;
export const runs = (fast: number, soak = fast * 10) => (soaking ? soak * soakFactor : fast);

export interface RawRequest {
  token?: string;
  /** A raw Authorization header (overrides token). */
  authorization?: string;
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
  contentType?: string;
  headers?: Record<string, string>;
}

/** One HTTP call with full control over the body; answers with the body read as text. */
export async function send(
  evergate: TestEvergate,
  method: string,
  path: string,
  options: RawRequest = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.contentType !== undefined) headers["content-type"] = options.contentType;
  const response = await fetch(`http://127.0.0.1:${evergate.port}${path}`, {
    method,
    headers,
    body: options.body as BodyInit | undefined,
    redirect: "manual",
    ...(options.body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    body: await response.text(),
    headers: response.headers,
  };
}

/** Sends and checks the answer against openapi.yaml; the test fails with the request that broke it. */
export async function sendChecked(
  evergate: TestEvergate,
  method: string,
  path: string,
  options: RawRequest = {},
): Promise<Answer> {
  const answer = await send(evergate, method, path, options);
  const op = operationFor(method, path);
  const violations = op ? contractViolations(op, answer) : answer.status >= 500 ? ["5xx"] : [];
  expect(violations, `${method} ${path} ${describeBody(options.body)} → ${answer.status}`).toEqual([]);
  return answer;
}

function describeBody(body: RawRequest["body"]): string {
  if (typeof body === "string") return body.length > 300 ? `${body.slice(0, 300)}… (${body.length})` : body;
  if (body instanceof Uint8Array) return `<${body.length} bytes>`;
  return body ? "<stream>" : "";
}

/** Every item of the table, each as sorted JSON, sorted: two snapshots are equal iff nothing changed. */
export async function tableSnapshot(
  evergate: TestEvergate,
  options: { withoutAccessLog?: boolean } = {},
): Promise<string[]> {
  // The access log and the link jobs (refunds, deletes, edits) write off the request path: let
  // both settle, so what is compared is what the requests did.
  await evergate.linkJobsSettled();
  await evergate.streamConsumer.idle();
  await evergate.linkJobsSettled();
  const client = new DynamoDBClient({
    region: evergate.stack.region,
    endpoint: evergate.stack.dynamoEndpoint,
    credentials: evergate.stack.credentials,
  });
  try {
    const items: string[] = [];
    for await (const page of paginateScan({ client }, { TableName: evergate.stack.tableName })) {
      for (const raw of page.Items ?? []) {
        const item = unmarshall(raw);
        // A refused hit on a known link is logged by design (ADR 021): the log is not the data
        if (options.withoutAccessLog) {
          if (String(item.pk).startsWith("EVENTS#")) continue;
          delete item.lastRefusal;
        }
        items.push(stableJson(item));
      }
    }
    return items.sort();
  } finally {
    client.destroy();
  }
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value instanceof Set) return stableJson([...value].sort());
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const writeOperations = ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"];
/** DynamoDB writes the stand-in received so far (successful or not). */
export const writeCount = (evergate: TestEvergate) =>
  writeOperations.reduce((sum, operation) => sum + evergate.stack.dynamoRequestCount(operation), 0);

export interface ApiKeyFixture {
  id: string;
  key: string;
}

export async function createApiKey(
  evergate: TestEvergate,
  user: TestUser,
  scopes: readonly ApiKeyScope[],
  name = "hardening",
): Promise<ApiKeyFixture> {
  const response = await evergate.request("POST", "/api/keys", {
    token: user.token,
    json: { name, scopes },
  });
  if (response.status !== 201) throw new Error(`create key: ${response.status} ${await response.text()}`);
  const body = await json<{ id: string; key: string }>(response);
  return { id: body.id, key: body.key };
}

export interface CreatedLink {
  id: string;
  token: string;
  url: string;
}

export async function createLink(
  evergate: TestEvergate,
  user: TestUser | string,
  fields: Record<string, unknown>,
): Promise<CreatedLink> {
  const token = typeof user === "string" ? user : user.token;
  const response = await evergate.request("POST", "/api/links", { token, json: fields });
  if (response.status !== 201) throw new Error(`create link: ${response.status} ${await response.text()}`);
  return json<CreatedLink>(response);
}

export async function buy(evergate: TestEvergate, user: TestUser, productId: string) {
  const response = await evergate.request("POST", `/api/products/${productId}/orders`, { token: user.token });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`buy: ${response.status} ${await response.text()}`);
  }
  return json<{ id: string }>(response);
}

/**
 * The cast every authorisation test needs: an author with a product, its buyer ("owner" of a
 * link and an order), a second buyer, a stranger, and API keys of the author and of the owner:
 * all scopes, all scopes but one (one per scope) and a revoked one.
 */
export interface World {
  author: TestUser;
  owner: TestUser;
  otherBuyer: TestUser;
  stranger: TestUser;
  product: TestProduct;
  orderId: string;
  ownerLink: CreatedLink;
  authorLink: CreatedLink;
  keys: Record<"author" | "owner", KeySet>;
  /** A ready file the owner uploaded (ADR 026). */
  ownerFile: string;
}

export interface KeySet {
  full: ApiKeyFixture;
  /** A key with every scope except the named one. */
  without: Record<ApiKeyScope, ApiKeyFixture>;
  revoked: ApiKeyFixture;
}

async function keySet(evergate: TestEvergate, user: TestUser): Promise<KeySet> {
  const full = await createApiKey(evergate, user, apiKeyScopes, "full");
  const without = Object.fromEntries(
    await Promise.all(
      apiKeyScopes.map(
        async (scope) =>
          [
            scope,
            await createApiKey(
              evergate,
              user,
              apiKeyScopes.filter((s) => s !== scope),
              `without ${scope}`,
            ),
          ] as const,
      ),
    ),
  ) as Record<ApiKeyScope, ApiKeyFixture>;
  const revoked = await createApiKey(evergate, user, apiKeyScopes, "revoked");
  const revoke = await evergate.request("DELETE", `/api/keys/${revoked.id}`, { token: user.token });
  if (revoke.status !== 200) throw new Error(`revoke key: ${revoke.status}`);
  return { full, without, revoked };
}

export async function buildWorld(evergate: TestEvergate): Promise<World> {
  const [author, owner, otherBuyer, stranger] = await Promise.all([
    evergate.newUser("author"),
    evergate.newUser("owner"),
    evergate.newUser("buyer"),
    evergate.newUser("stranger"),
  ]);
  const product = await evergate.createProduct(author, { title: "Hardened product" });
  const order = await buy(evergate, owner, product.id);
  await buy(evergate, otherBuyer, product.id);
  const [ownerLink, authorLink, authorKeys, ownerKeys] = await Promise.all([
    createLink(evergate, owner, { productId: product.id, label: "owner's link" }),
    createLink(evergate, author, { productId: product.id, label: "author's link" }),
    keySet(evergate, author),
    keySet(evergate, owner),
  ]);
  const ownerFile = await filesApi(evergate).upload(owner.token, new TextEncoder().encode("owner's file"));
  return {
    author,
    owner,
    otherBuyer,
    stranger,
    product,
    orderId: order.id,
    ownerLink,
    authorLink,
    keys: { author: authorKeys, owner: ownerKeys },
    ownerFile,
  };
}
