import { useEffect, useRef, useState } from "preact/hooks";
import type { DownloadStats } from "../api/client.ts";

type Bucket = DownloadStats["perDay"][number];

/**
 * Downloads over time, drawn by uPlot on a canvas. uPlot is loaded here, on first use, as its own
 * chunk: the rest of the webapp never downloads it. The same numbers are in a table for screen
 * readers (a canvas has no text), and on the figure as data-series for tests.
 */
export function DownloadsChart(props: { buckets: Bucket[]; unit: "day" | "hour"; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<unknown>();
  const series = props.buckets.map((bucket) => bucket.downloads);
  useEffect(() => {
    let chart: { destroy(): void } | undefined;
    let gone = false;
    const element = host.current;
    if (!element) return;
    import("uplot").then(({ default: UPlot }) => {
      if (gone) return;
      const width = Math.max(260, Math.min(element.clientWidth || 640, 900));
      chart = new UPlot(
        {
          width,
          height: 220,
          legend: { show: false },
          cursor: { show: true, drag: { x: false, y: false } },
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          axes: [{}, { size: 40, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }],
          series: [
            {},
            {
              label: "Downloads",
              stroke: "#0b5fff",
              fill: "rgba(11,95,255,0.12)",
              width: 2,
              points: { show: true, size: 5 },
            },
          ],
        },
        [props.buckets.map((bucket) => Date.parse(bucket.start) / 1000), series],
        element,
      );
    }, setFailed);
    return () => {
      gone = true;
      chart?.destroy();
    };
  }, [props.buckets]);
  const total = series.reduce((sum, n) => sum + n, 0);
  return (
    <figure class="chart" data-series={series.join(",")} data-total={total}>
      <figcaption>{props.label}</figcaption>
      <div ref={host} class="chart-canvas" role="img" aria-label={`${props.label}: ${total} in all`} />
      {failed !== undefined && <p class="error">The chart could not be drawn; the numbers are below.</p>}
      <details>
        <summary>The numbers</summary>
        <table>
          <caption class="visually-hidden">{props.label}</caption>
          <thead>
            <tr>
              <th scope="col">{props.unit === "day" ? "Day" : "Hour"}</th>
              <th scope="col">Downloads</th>
            </tr>
          </thead>
          <tbody>
            {props.buckets
              .filter((bucket) => bucket.downloads > 0)
              .map((bucket) => (
                <tr key={bucket.start}>
                  <td>
                    {props.unit === "day"
                      ? bucket.start.slice(0, 10)
                      : bucket.start.slice(0, 16).replace("T", " ")}
                  </td>
                  <td>{bucket.downloads}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
