import { expect, it } from "vitest";
import type { Stores } from "#src/storage/ports.ts";
import { anUpload, at, concurrently, t0 } from "./fixtures.ts";

/** UploadStore: claims that succeed once, and the due list the sweeper reads (oldest first). */
export function uploadStoreContract(stores: () => Stores) {
  const uploads = () => stores().uploads;
  const claim = { productId: "product-1", targetKey: "files/product-1/k" };

  it("put then get gives the upload back; a second put with its id changes nothing; delete removes it", async () => {
    const upload = anUpload();
    await uploads().put(upload);
    await uploads().put({ ...upload, ownerId: "mallory" });
    expect(await uploads().get(upload.id)).toStrictEqual(upload);
    await uploads().delete(upload.id);
    await uploads().delete(upload.id);
    expect(await uploads().get(upload.id)).toBeNull();
  });

  it("claim succeeds for the owner of an unclaimed, unexpired upload, once", async () => {
    const upload = anUpload({ ownerId: "me", expiresAt: at(60) });
    await uploads().put(upload);
    const claimed = await uploads().claim(upload.id, "me", claim, t0);
    expect(claimed).toStrictEqual({ ...upload, claim });
    expect(await uploads().get(upload.id)).toStrictEqual(claimed);
    expect(await uploads().claim(upload.id, "me", { ...claim, productId: "product-2" }, t0)).toBeNull();
    expect((await uploads().get(upload.id))?.claim).toStrictEqual(claim);
  });

  it("claim refuses another owner, an expired upload (also at its expiry instant) and a missing one", async () => {
    const upload = anUpload({ ownerId: "me", expiresAt: at(60) });
    await uploads().put(upload);
    expect(await uploads().claim(upload.id, "mallory", claim, t0)).toBeNull();
    expect(await uploads().claim(upload.id, "me", claim, new Date(at(60)))).toBeNull();
    expect(await uploads().claim(upload.id, "me", claim, new Date(at(61)))).toBeNull();
    expect(await uploads().get(upload.id)).toStrictEqual(upload);
    expect(await uploads().claim("no-such-upload", "me", claim, t0)).toBeNull();
    expect(await uploads().get("no-such-upload")).toBeNull();
  });

  it("of 50 concurrent claims of one upload exactly one succeeds, and its claim is the one stored", async () => {
    const upload = anUpload({ ownerId: "me" });
    await uploads().put(upload);
    const results = await concurrently(50, (i) =>
      uploads().claim(upload.id, "me", { productId: `product-${i}`, targetKey: `files/${i}` }, t0),
    );
    const won = results.filter((result) => result !== null);
    expect(won).toHaveLength(1);
    expect((await uploads().get(upload.id))?.claim).toStrictEqual(won[0]?.claim);
  });

  it("listDue lists uploads and cleanups due strictly before now, oldest first, claimed ones too", async () => {
    const expired = anUpload({ expiresAt: at(-30) });
    const claimed = anUpload({ expiresAt: at(-10) });
    const dueNow = anUpload({ expiresAt: at(0) });
    const later = anUpload({ expiresAt: at(30) });
    for (const upload of [later, dueNow, claimed, expired]) await uploads().put(upload);
    await uploads().claim(claimed.id, claimed.ownerId, claim, new Date(at(-20)));
    const oldCleanup = { key: "files/p/old", productId: "p", dueAt: at(-20) };
    const looseCleanup = { key: "pending/loose", dueAt: at(-5) };
    await uploads().scheduleCleanup(looseCleanup);
    await uploads().scheduleCleanup(oldCleanup);
    await uploads().scheduleCleanup({ key: "files/p/later", dueAt: at(5) });
    const due = await uploads().listDue(t0, 10);
    expect(due.uploads).toStrictEqual([expired, { ...claimed, claim }]);
    expect(due.cleanups).toStrictEqual([oldCleanup, looseCleanup]);
  });

  it("listDue takes the oldest `limit` of uploads and cleanups together", async () => {
    await uploads().put(anUpload({ id: "u1", expiresAt: at(-40) }));
    await uploads().scheduleCleanup({ key: "c1", dueAt: at(-30) });
    await uploads().put(anUpload({ id: "u2", expiresAt: at(-20) }));
    await uploads().scheduleCleanup({ key: "c2", dueAt: at(-10) });
    const due = await uploads().listDue(t0, 3);
    expect(due.uploads.map((upload) => upload.id)).toEqual(["u1", "u2"]);
    expect(due.cleanups.map((cleanup) => cleanup.key)).toEqual(["c1"]);
  });

  it("scheduling a key again moves its due time; cancelling takes it off the list", async () => {
    await uploads().scheduleCleanup({ key: "files/p/k", productId: "p", dueAt: at(-50) });
    await uploads().scheduleCleanup({ key: "files/p/k", productId: "p", dueAt: at(-5) });
    expect((await uploads().listDue(t0, 10)).cleanups).toStrictEqual([
      { key: "files/p/k", productId: "p", dueAt: at(-5) },
    ]);
    await uploads().cancelCleanup("files/p/k");
    await uploads().cancelCleanup("files/p/k");
    expect(await uploads().listDue(t0, 10)).toStrictEqual({ uploads: [], cleanups: [] });
  });

  it("a deleted upload is no longer due", async () => {
    const upload = anUpload({ expiresAt: at(-1) });
    await uploads().put(upload);
    await uploads().delete(upload.id);
    expect((await uploads().listDue(t0, 10)).uploads).toEqual([]);
  });
}
