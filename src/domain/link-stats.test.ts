import { describe, expect, it } from "vitest";
import type { AccessEvent } from "./access-event.ts";
import { csvCell, eventCsvRow, statsOf } from "./link-stats.ts";

const now = new Date("2026-11-27T12:30:00.000Z");
const event = (at: string, fields: Partial<AccessEvent> = {}): AccessEvent => ({
  id: `e-${at}`,
  linkId: "l",
  productId: "p",
  ownerId: "o",
  at,
  kind: "download",
  outcome: "granted",
  ...fields,
});

describe("statsOf", () => {
  it("weighs a hot link's summary by its count (ADR 024): downloads, buckets, countries and classes", () => {
    const events = [
      event("2026-11-27T12:10:00.000Z", {
        clientId: "a",
        country: "DE",
        client: { class: "browser" },
        count: 500,
      }),
      event("2026-11-27T12:11:00.000Z", { clientId: "b", country: "FR", client: { class: "cli" } }),
    ];
    const stats = statsOf(events, now, 7, false);
    expect(stats).toMatchObject({ downloads: 501, distinctClients: 2 });
    expect(stats.perHour.at(-1)).toEqual({ start: "2026-11-27T12:00:00.000Z", downloads: 501 });
    expect(stats.perDay.at(-1)?.downloads).toBe(501);
    expect(stats.topCountries).toEqual([
      { country: "DE", downloads: 500 },
      { country: "FR", downloads: 1 },
    ]);
    expect(stats.clientClasses).toEqual([
      { class: "browser", downloads: 500 },
      { class: "cli", downloads: 1 },
    ]);
    expect(eventCsvRow(events[0] as AccessEvent).endsWith(',"500"')).toBe(true);
    expect(eventCsvRow(events[1] as AccessEvent).endsWith(',"1"')).toBe(true);
  });

  it("counts downloads per hour and day, distinct clients, countries and classes within the window", () => {
    const events = [
      event("2026-11-27T12:10:00.000Z", { clientId: "a", country: "DE", client: { class: "browser" } }),
      event("2026-11-27T12:20:00.000Z", { clientId: "a", country: "DE", client: { class: "browser" } }),
      event("2026-11-27T11:59:59.000Z", { clientId: "b", country: "FR", client: { class: "cli" } }),
      event("2026-11-25T08:00:00.000Z", { clientId: "c" }),
      event("2026-11-27T12:00:00.000Z", { kind: "refused", outcome: "revoked", clientId: "z" }),
      event("2026-11-01T00:00:00.000Z", { clientId: "old" }),
    ];
    const stats = statsOf(events, now, 7, false);
    expect(stats).toMatchObject({ downloads: 4, refusals: 1, distinctClients: 3, truncated: false });
    expect(stats.perHour.at(-1)).toEqual({ start: "2026-11-27T12:00:00.000Z", downloads: 2 });
    expect(stats.perHour.at(-2)).toEqual({ start: "2026-11-27T11:00:00.000Z", downloads: 1 });
    expect(stats.perHour.length).toBe(49);
    expect(stats.perDay.at(-1)).toEqual({ start: "2026-11-27T00:00:00.000Z", downloads: 3 });
    expect(stats.perDay.find((day) => day.start.startsWith("2026-11-25"))?.downloads).toBe(1);
    expect(stats.perDay.reduce((sum, day) => sum + day.downloads, 0)).toBe(4);
    expect(stats.topCountries).toEqual([
      { country: "DE", downloads: 2 },
      { country: "FR", downloads: 1 },
    ]);
    expect(stats.clientClasses).toEqual([
      { class: "browser", downloads: 2 },
      { class: "cli", downloads: 1 },
      { class: "other", downloads: 1 },
    ]);
  });
});

describe("CSV", () => {
  it.each([
    ["plain", '"plain"'],
    ['say "hi"', '"say ""hi"""'],
    ["=HYPERLINK(1)", `"'=HYPERLINK(1)"`],
    ["+1", `"'+1"`],
    ["-1", `"'-1"`],
    ["@SUM(A1)", `"'@SUM(A1)"`],
    [undefined, '""'],
  ])("csvCell(%j)", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it("one row per event, in the column order", () => {
    expect(
      eventCsvRow(
        event("2026-11-27T12:10:00.000Z", {
          clientId: "a",
          country: "DE",
          client: { class: "cli", browser: "curl" },
        }),
      ),
    ).toBe(
      '"2026-11-27T12:10:00.000Z","download","granted","cli","curl","","DE","a","e-2026-11-27T12:10:00.000Z","1"',
    );
  });
});
