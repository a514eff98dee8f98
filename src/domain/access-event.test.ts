import { describe, expect, it } from "vitest";
import { eventsOfLinkChange, type StoredLink } from "./access-event.ts";

const link: StoredLink = {
  id: "l",
  ownerId: "o",
  productId: "p",
  productTitle: "t",
  objectKey: "files/k",
  defaultFilename: "f.zip",
  tokenHint: "evg_…x",
  createdAt: "2026-11-27T12:00:00.000Z",
  downloadCount: 10,
};
const hit = { at: "2026-11-27T12:05:00.000Z", clientId: "c", country: "DE", outcome: "granted" as const };

describe("eventsOfLinkChange", () => {
  it("a hot link's flush (downloadCount up by n) is one download event with count n, at its last hit", () => {
    const events = eventsOfLinkChange(link, { ...link, downloadCount: 510, lastHit: { ...hit, count: 500 } });
    expect(events).toEqual([
      {
        linkId: "l",
        productId: "p",
        ownerId: "o",
        kind: "download",
        at: hit.at,
        outcome: "granted",
        clientId: "c",
        country: "DE",
        count: 500,
      },
    ]);
  });

  it("an exact hit (up by one) has no count", () => {
    const [event] = eventsOfLinkChange(link, { ...link, downloadCount: 11, lastHit: hit });
    expect(event).toMatchObject({ kind: "download" });
    expect(event && "count" in event).toBe(false);
  });
});
