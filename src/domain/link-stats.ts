import type { AccessEvent, ClientClass } from "./access-event.ts";

export interface Bucket {
  start: string;
  downloads: number;
}

export interface LinkStats {
  from: string;
  to: string;
  downloads: number;
  refusals: number;
  /** Distinct client ids among the downloads: "used from about N devices". */
  distinctClients: number;
  perHour: Bucket[];
  perDay: Bucket[];
  topCountries: Array<{ country: string; downloads: number }>;
  clientClasses: Array<{ class: ClientClass; downloads: number }>;
  /** True when the window held more events than were read: the figures are a lower bound. */
  truncated: boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const floorTo = (time: number, step: number) => Math.floor(time / step) * step;

/** How many downloads an event stands for: a hot link's summary carries its count (ADR 024). */
const weightOf = (event: AccessEvent) => event.count ?? 1;
const sumOf = (events: AccessEvent[]) => events.reduce((total, event) => total + weightOf(event), 0);

function buckets(downloads: AccessEvent[], from: Date, to: Date, step: number): Bucket[] {
  const counts = new Map<number, number>();
  for (const event of downloads) {
    const start = floorTo(Date.parse(event.at), step);
    counts.set(start, (counts.get(start) ?? 0) + weightOf(event));
  }
  const result: Bucket[] = [];
  for (let start = floorTo(from.getTime(), step); start <= to.getTime(); start += step) {
    result.push({ start: new Date(start).toISOString(), downloads: counts.get(start) ?? 0 });
  }
  return result;
}

function ranked<K extends string>(
  values: Array<K | [K, number]>,
  limit: number,
): Array<{ key: K; count: number }> {
  const counts = new Map<K, number>();
  for (const entry of values) {
    const [value, weight] = Array.isArray(entry) ? entry : [entry, 1];
    counts.set(value, (counts.get(value) ?? 0) + weight);
  }
  return [...counts]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
    .slice(0, limit);
}

/**
 * Figures over the events of one window (`days` back from `now`): downloads per hour (the last
 * 48 hours of the window) and per day, distinct clients, top countries and client classes.
 */
export function statsOf(events: AccessEvent[], now: Date, days: number, truncated: boolean): LinkStats {
  const from = new Date(now.getTime() - days * DAY_MS);
  const inWindow = events.filter((event) => event.at >= from.toISOString() && event.at <= now.toISOString());
  const downloads = inWindow.filter((event) => event.kind === "download");
  const hourlyFrom = new Date(Math.max(from.getTime(), now.getTime() - 48 * HOUR_MS));
  return {
    from: from.toISOString(),
    to: now.toISOString(),
    downloads: sumOf(downloads),
    refusals: inWindow.filter((event) => event.kind === "refused").length,
    distinctClients: new Set(downloads.flatMap((event) => (event.clientId ? [event.clientId] : []))).size,
    perHour: buckets(
      downloads.filter((event) => event.at >= hourlyFrom.toISOString()),
      hourlyFrom,
      now,
      HOUR_MS,
    ),
    perDay: buckets(downloads, from, now, DAY_MS),
    topCountries: ranked(
      downloads.flatMap(
        (event): Array<[string, number]> => (event.country ? [[event.country, weightOf(event)]] : []),
      ),
      10,
    ).map(({ key, count }) => ({ country: key, downloads: count })),
    clientClasses: ranked(
      downloads.map((event): [ClientClass, number] => [event.client?.class ?? "other", weightOf(event)]),
      4,
    ).map(({ key, count }) => ({ class: key, downloads: count })),
    truncated,
  };
}

/** One CSV cell: quoted, and a leading = + - @ neutralised so a spreadsheet never runs it. */
export function csvCell(value: string | number | undefined): string {
  const text = value === undefined ? "" : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

export const EVENT_CSV_COLUMNS = [
  "at",
  "kind",
  "outcome",
  "clientClass",
  "browser",
  "os",
  "country",
  "clientId",
  "eventId",
  "count",
] as const;

export function eventCsvRow(event: AccessEvent): string {
  return [
    event.at,
    event.kind,
    event.outcome,
    event.client?.class,
    event.client?.browser,
    event.client?.os,
    event.country,
    event.clientId,
    event.id,
    event.kind === "download" ? (event.count ?? 1) : undefined,
  ]
    .map(csvCell)
    .join(",");
}
