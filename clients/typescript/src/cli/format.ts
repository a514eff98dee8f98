import type { components } from "../schema.js";

type Link = components["schemas"]["Link"];
type Stats = components["schemas"]["DownloadStats"];
type AccessEvent = components["schemas"]["AccessEvent"];

/** One line per link: id, status, downloads used of allowed, what it serves, for whom. */
export function linkLine(link: Link): string {
  const downloads = `${link.downloadCount}/${link.maxDownloads ?? "∞"}`;
  const what = link.label ? `${link.productTitle} (${link.label})` : link.productTitle;
  const expires = link.expiresAt ? `  expires ${link.expiresAt}` : "";
  return `${link.id}  ${link.status.padEnd(9)}  ${downloads.padStart(7)}  ${what}${link.recipient ? ` → ${link.recipient}` : ""}${expires}`;
}

export function statsText(stats: Stats): string {
  const lines = [
    `${stats.from} → ${stats.to}`,
    `downloads ${stats.downloads}, refusals ${stats.refusals}, distinct clients ${stats.distinctClients}${stats.truncated ? " (lower bounds: too many events to read them all)" : ""}`,
  ];
  const days = stats.perDay.filter((day) => day.downloads > 0);
  if (days.length > 0)
    lines.push("per day:", ...days.map((day) => `  ${day.start.slice(0, 10)}  ${day.downloads}`));
  if (stats.topCountries.length > 0)
    lines.push(`countries: ${stats.topCountries.map((row) => `${row.country} ${row.downloads}`).join(", ")}`);
  if (stats.clientClasses.length > 0)
    lines.push(`clients: ${stats.clientClasses.map((row) => `${row.class} ${row.downloads}`).join(", ")}`);
  return lines.join("\n");
}

export function eventLine(event: AccessEvent): string {
  const client = event.client
    ? [event.client.class, event.client.browser, event.client.os].filter(Boolean).join("/")
    : "";
  return [event.at, event.kind, event.outcome ?? "", client, event.country ?? ""].filter(Boolean).join("  ");
}
