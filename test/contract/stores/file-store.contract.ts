import { expect, it } from "vitest";
import type { FileRecord } from "#src/domain/file.ts";
import { newId } from "#src/domain/token.ts";
import type { Stores } from "#src/storage/ports.ts";
import { at, concurrently, t0, walk } from "./fixtures.ts";

export function aFile(overrides: Partial<FileRecord> = {}): FileRecord {
  const id = `evf_${newId()}`;
  return {
    id,
    ownerId: "owner-1",
    filename: "lecture.mp4",
    contentType: "video/mp4",
    size: 123,
    status: "pending",
    key: `files/${id}`,
    multipart: { uploadId: "u-1", partSize: 5 * 1024 * 1024, partCount: 1 },
    createdAt: at(0),
    uploadExpiresAt: at(3600),
    ...overrides,
  };
}

/** FileStore: one put per id, ready once and only for its owner, the owner's list newest first. */
export function fileStoreContract(stores: () => Stores) {
  const files = () => stores().files;

  it("put then get gives the file back; a second put with its id keeps the first; delete removes it", async () => {
    const file = aFile();
    await files().put(file);
    await files().put({ ...file, ownerId: "mallory" });
    expect(await files().get(file.id)).toStrictEqual(file);
    await files().delete(file.id);
    await files().delete(file.id);
    expect(await files().get(file.id)).toBeNull();
  });

  it("markReady turns the owner's pending file ready, once, and refuses another owner or a missing file", async () => {
    const file = aFile({ ownerId: "me" });
    await files().put(file);
    expect(await files().markReady(file.id, "mallory", t0)).toBeNull();
    const ready = await files().markReady(file.id, "me", t0);
    expect(ready).toStrictEqual({ ...file, status: "ready", completedAt: t0.toISOString() });
    expect(await files().get(file.id)).toStrictEqual(ready);
    expect(await files().markReady(file.id, "me", new Date(at(5)))).toBeNull();
    expect(await files().markReady("evf_none", "me", t0)).toBeNull();
    expect(await files().get("evf_none")).toBeNull();
  });

  it("markReady succeeds for exactly one of 50 concurrent completions", async () => {
    const file = aFile({ ownerId: "me" });
    await files().put(file);
    const results = await concurrently(50, (i) => files().markReady(file.id, "me", new Date(at(i))));
    expect(results.filter((result) => result !== null)).toHaveLength(1);
  });

  it("listByOwner: only that owner's files, newest first, paged with cursors", async () => {
    const mine = [0, 1, 2, 3, 4].map((i) => aFile({ ownerId: "me", createdAt: at(i) }));
    for (const file of mine) await files().put(file);
    await files().put(aFile({ ownerId: "someone-else", createdAt: at(10) }));
    const listed = await walk((page) => files().listByOwner("me", page), 2);
    expect(listed.pages).toBe(3);
    expect(listed.items.map((file) => file.id)).toEqual(mine.map((file) => file.id).reverse());
    expect((await files().listByOwner("nobody", { limit: 5 })).items).toEqual([]);
  });
}
