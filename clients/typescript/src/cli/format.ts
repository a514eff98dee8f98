import type { components } from "../schema.js";

type Link = components["schemas"]["Link"];
type File = components["schemas"]["File"];
type Stats = components["schemas"]["DownloadStats"];
type AccessEvent = components["schemas"]["AccessEvent"];

/** One line per link: id, status, downloads used of allowed, what it serves, for whom. */
export function linkLine(link: Link): string {
  const downloads = `${link.downloadCount}/${link.maxDownloads ?? "∞"}`;
  const target = link.target.kind === "file" ? link.target.filename : link.target.productTitle;
  const what = link.label ? `${target} (${link.label})` : target;
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

/** One line per file: id, status, size in bytes, name, type. */
export function fileLine(file: File): string {
  return `${file.id}  ${file.status.padEnd(7)}  ${String(file.size).padStart(12)}  ${file.filename}  ${file.contentType}`;
}

const contentTypes: Record<string, string> = {
  pdf: "application/pdf",
  zip: "application/zip",
  json: "application/json",
  txt: "text/plain",
  csv: "text/csv",
  html: "text/html",
  md: "text/markdown",
  epub: "application/epub+zip",
  mp4: "video/mp4",
  mov: "video/quicktime",
  webm: "video/webm",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  m4a: "audio/mp4",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
};

/** A content type from a file name's extension; application/octet-stream when it says nothing known. */
export function contentTypeFor(filename: string): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
  return (extension && contentTypes[extension]) || "application/octet-stream";
}
