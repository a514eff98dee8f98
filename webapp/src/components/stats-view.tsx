import { useState } from "preact/hooks";
import type { DownloadStats } from "../api/client.ts";
import { DownloadsChart } from "./downloads-chart.tsx";

const classNames: Record<DownloadStats["clientClasses"][number]["class"], string> = {
  browser: "Browsers",
  cli: "Command line",
  preview: "Link previews",
  other: "Other",
};

/** A link's or a product's figures: the chart, distinct devices, countries and client classes. */
export function StatsView(props: { stats: DownloadStats; days: number }) {
  const { stats } = props;
  const [unit, setUnit] = useState<"day" | "hour">("day");
  return (
    <section aria-labelledby="stats-heading" class="stats">
      <h2 id="stats-heading">Downloads in the last {props.days} days</h2>
      <ul class="figures">
        <li>
          <strong data-figure="downloads">{stats.downloads}</strong>{" "}
          {stats.downloads === 1 ? "download" : "downloads"}
        </li>
        <li>
          used from about <strong data-figure="devices">{stats.distinctClients}</strong>{" "}
          {stats.distinctClients === 1 ? "device" : "devices"}
        </li>
        <li>
          <strong data-figure="refusals">{stats.refusals}</strong> refused attempts
        </li>
      </ul>
      {stats.truncated && (
        <p class="muted">More events than one answer reads: these figures are a lower bound.</p>
      )}
      <fieldset class="filters">
        <legend>Chart by</legend>
        {(["day", "hour"] as const).map((value) => (
          <button
            key={value}
            type="button"
            class="secondary"
            aria-pressed={unit === value}
            onClick={() => setUnit(value)}
          >
            {value === "day" ? "Day" : "Hour (last 48 h)"}
          </button>
        ))}
      </fieldset>
      <DownloadsChart
        buckets={unit === "day" ? stats.perDay : stats.perHour}
        unit={unit}
        label={unit === "day" ? "Downloads per day" : "Downloads per hour"}
      />
      <div class="breakdowns">
        <section aria-labelledby="countries-heading">
          <h3 id="countries-heading">Countries</h3>
          {stats.topCountries.length === 0 ? (
            <p class="empty">No country known (the edge tells it in AWS; never locally).</p>
          ) : (
            <ul class="counts">
              {stats.topCountries.map((row) => (
                <li key={row.country}>
                  <span>{row.country}</span> <span>{row.downloads}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="classes-heading">
          <h3 id="classes-heading">Clients</h3>
          {stats.clientClasses.length === 0 ? (
            <p class="empty">No downloads yet.</p>
          ) : (
            <ul class="counts">
              {stats.clientClasses.map((row) => (
                <li key={row.class}>
                  <span>{classNames[row.class]}</span> <span>{row.downloads}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </section>
  );
}
