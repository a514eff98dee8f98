import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startTestEvergate, type TestEvergate, type TestUser } from "../support/harness.ts";

/**
 * In DynamoDB a GSI lags the table: a link written a moment ago may be missing from the
 * "links of a product" index. The embedded DynamoDB updates indexes at once, so the lag is
 * simulated by taking a link out of the index (REMOVE gsi2pk); the writes that end an
 * entitlement or change a file must reach it all the same.
 */
let evergate: TestEvergate;
let seller: TestUser;
let buyer: TestUser;

beforeAll(async () => {
  evergate = await startTestEvergate();
  [seller, buyer] = await Promise.all([evergate.newUser("seller"), evergate.newUser("buyer")]);
});
afterAll(() => evergate?.stop());

async function linkMissingFromTheIndex(productId: string, user: TestUser) {
  const link = await json<{ id: string; token: string }>(
    await evergate.request("POST", "/api/links", { token: user.token, json: { productId } }),
  );
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const dynamo = new DynamoDBClient({
    region: evergate.stack.region,
    endpoint: evergate.stack.dynamoEndpoint,
    credentials: evergate.stack.credentials,
  });
  await dynamo.send(
    new UpdateItemCommand({
      TableName: evergate.stack.tableName,
      Key: { pk: { S: `LINK#${link.id}` }, sk: { S: "LINK" } },
      UpdateExpression: "REMOVE gsi2pk, gsi2sk",
    }),
  );
  dynamo.destroy();
  const listed = await json<{ items: Array<{ id: string }> }>(
    await evergate.request("GET", `/api/products/${productId}/links?limit=100`, { token: seller.token }),
  );
  expect(listed.items.map((l) => l.id)).not.toContain(link.id);
  return link;
}

describe("writes that must reach every link, even one the index has not caught up with", () => {
  it("a refund revokes it", async () => {
    const product = await evergate.createProduct(seller);
    await evergate.request("POST", `/api/products/${product.id}/orders`, { token: buyer.token });
    const link = await linkMissingFromTheIndex(product.id, buyer);
    const refund = await evergate.request("POST", `/api/orders/${product.id}_${buyer.userId}/refund`, {
      token: seller.token,
    });
    expect(refund.status).toBe(200);
    await evergate.linkJobsSettled();
    expect((await evergate.request("GET", `/l/${link.token}`)).status).toBe(410);
  });

  it("deleting the product revokes it", async () => {
    const product = await evergate.createProduct(seller);
    const link = await linkMissingFromTheIndex(product.id, seller);
    expect(
      (await evergate.request("DELETE", `/api/products/${product.id}`, { token: seller.token })).status,
    ).toBe(204);
    await evergate.linkJobsSettled();
    expect((await evergate.request("GET", `/l/${link.token}`)).status).toBe(410);
  });

  it("replacing the deliverable points it at the new file", async () => {
    const product = await evergate.createProduct(seller);
    const link = await linkMissingFromTheIndex(product.id, seller);
    const uploadId = await evergate.upload(
      seller,
      "deliverable",
      new TextEncoder().encode("v2"),
      "text/plain",
      "v2.txt",
    );
    const edit = await evergate.request("PATCH", `/api/products/${product.id}`, {
      token: seller.token,
      json: { deliverableUploadId: uploadId },
    });
    expect(edit.status).toBe(200);
    await evergate.linkJobsSettled();
    const redirect = await evergate.request("GET", `/l/${link.token}`);
    expect(await (await fetch(redirect.headers.get("location") ?? "")).text()).toBe("v2");
  });
});
