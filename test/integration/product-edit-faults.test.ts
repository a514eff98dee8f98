import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "#src/app.ts";
import { DependencyUnavailableError } from "#src/domain/errors.ts";
import { sweepGarbage } from "#src/services/products.ts";
import { json, startTestEvergate, type TestEvergate, type TestUser } from "../support/harness.ts";

let evergate: TestEvergate;
let author: TestUser;
let buyer: TestUser;

beforeAll(async () => {
  evergate = await startTestEvergate();
  [author, buyer] = await Promise.all([evergate.newUser("author"), evergate.newUser("buyer")]);
});
afterAll(() => evergate?.stop());

/** The same app on the same stand-ins, except that S3 deletes fail: a crash between two writes. */
function appWhoseDeletesFail() {
  const files = {
    ...evergate.deps.files,
    delete: async () => {
      throw new DependencyUnavailableError("s3");
    },
  };
  return createApp({ ...evergate.deps, files });
}

describe("a failure between the writes of an edit", () => {
  it("leaves the product on the new file, links following it, and the old object to the sweeper", async () => {
    const item = await evergate.createProduct(author, { title: "Fragile" });
    await evergate.request("POST", `/api/products/${item.id}/orders`, { token: buyer.token });
    const link = await json<{ token: string }>(
      await evergate.request("POST", "/api/links", { token: buyer.token, json: { productId: item.id } }),
    );
    const before = await evergate.deps.stores.products.get(item.id);
    const uploadId = await evergate.upload(
      author,
      "deliverable",
      new TextEncoder().encode("new bytes"),
      "text/plain",
      "new.txt",
    );

    const response = await appWhoseDeletesFail().request(`/api/products/${item.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${author.token}`, "content-type": "application/json" },
      body: JSON.stringify({ deliverableUploadId: uploadId }),
    });
    expect(response.status).toBe(503);

    const after = await evergate.deps.stores.products.get(item.id);
    expect(after?.deliverable.key).not.toBe(before?.deliverable.key);
    expect(await evergate.deps.files.head(before?.deliverable.key ?? "")).not.toBeNull();
    await evergate.linkJobsSettled(); // links are re-pointed off the request path
    const redirect = await evergate.request("GET", `/l/${link.token}`);
    expect(await (await fetch(redirect.headers.get("location") ?? "")).text()).toBe("new bytes");

    const later = { ...evergate.deps, clock: () => new Date(Date.now() + 2 * 3600_000) };
    expect(await sweepGarbage(later)).toBeGreaterThanOrEqual(1);
    expect(await evergate.deps.files.head(before?.deliverable.key ?? "")).toBeNull();
    expect(await evergate.deps.files.head(after?.deliverable.key ?? "")).not.toBeNull();
    expect(await evergate.deps.files.head(after?.image.key ?? "")).not.toBeNull();
  });

  it("a failed create leaves nothing the sweeper does not remove", async () => {
    const imageId = await evergate.upload(
      author,
      "promoImage",
      new Uint8Array(8).fill(1),
      "image/png",
      "bad.png",
    );
    const fileId = await evergate.upload(
      author,
      "deliverable",
      new TextEncoder().encode("x"),
      "text/plain",
      "x.txt",
    );
    const refused = await evergate.request("POST", "/api/products", {
      token: author.token,
      json: {
        title: "t",
        description: "d",
        price: { amount: 1, currency: "EUR" },
        imageUploadId: imageId,
        deliverableUploadId: fileId,
      },
    });
    expect(refused.status).toBe(422);
    const later = { ...evergate.deps, clock: () => new Date(Date.now() + 2 * 3600_000) };
    await sweepGarbage(later);
    expect(await evergate.deps.stores.uploads.get(imageId)).toBeNull();
    expect(await evergate.deps.stores.uploads.get(fileId)).toBeNull();
  });
});
