import { useState } from "preact/hooks";
import { type AccessEvent, ApiError, api, unwrap } from "../api/client.ts";
import { LinkAccess } from "../components/link-access.tsx";
import { PagedTable } from "../components/paged-table.tsx";
import { StatsView } from "../components/stats-view.tsx";
import { Missing, Show } from "../components/status.tsx";
import { formatDate } from "../lib/format.ts";
import { A } from "../lib/router.tsx";
import { useLoad } from "../lib/use-load.ts";
import { usePaged } from "../lib/use-paged.ts";

const DAYS = 30;
const OUTCOMES = ["granted", "revoked", "expired", "exhausted", "rate_limited"] as const;
type Outcome = (typeof OUTCOMES)[number];

const kindText: Record<AccessEvent["kind"], string> = {
  created: "created",
  download: "download",
  refused: "refused",
  exhausted: "limit reached",
  revoked: "revoked",
  rotated: "rotated",
};

function clientText(event: AccessEvent): string {
  if (!event.client) return "";
  const family = [event.client.browser, event.client.os].filter(Boolean).join(" on ");
  return family ? `${event.client.class} (${family})` : event.client.class;
}

/**
 * Saves the link's events as CSV: the export needs the caller's token, so it is fetched, then
 * handed to the browser as a file under the name the API gives it.
 */
async function exportCsv(id: string): Promise<void> {
  const { data, response } = await api.GET("/api/links/{id}/events/export", {
    params: { path: { id } },
    headers: { Accept: "text/csv" },
    parseAs: "blob",
  });
  if (!response.ok || !data)
    throw new ApiError(`The export failed (HTTP ${response.status}).`, response.status);
  const name =
    /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? "events.csv";
  const url = URL.createObjectURL(data as Blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function LinkDetailPage(props: { id: string }) {
  const { id } = props;
  const [link, reloadLink] = useLoad(
    async () => unwrap(await api.GET("/api/links/{id}", { params: { path: { id } } })),
    [id],
  );
  const [stats, reloadStats] = useLoad(
    async () =>
      unwrap(await api.GET("/api/links/{id}/stats", { params: { path: { id }, query: { days: DAYS } } })),
    [id],
  );
  const [outcome, setOutcome] = useState<Outcome | "">("");
  const events = usePaged(
    async (cursor) =>
      unwrap(
        await api.GET("/api/links/{id}/events", {
          params: { path: { id }, query: { limit: 25, cursor, ...(outcome ? { outcome } : {}) } },
        }),
      ),
    [id, outcome],
  );
  const [exportError, setExportError] = useState<string>();
  const missing = (
    <Missing title="Link not found">
      This link does not exist, or it is not yours. <A href="/links">Back to My links</A>
    </Missing>
  );
  return (
    <Show loaded={link} what="Loading the link" missing={missing}>
      {(found) => (
        <>
          <p class="breadcrumb">
            <A href="/links">My links</A> ›
          </p>
          <h1>Link {found.label ? `“${found.label}”` : <span class="mono">…{found.tokenHint}</span>}</h1>
          <p class="muted">
            To{" "}
            {found.target.kind === "file" ? (
              <span>the file {found.target.filename}</span>
            ) : (
              <A href={`/products/${encodeURIComponent(found.target.productId)}`}>
                {found.target.productTitle}
              </A>
            )}
            , made {formatDate(found.createdAt)}; {found.downloadCount} of {found.maxDownloads ?? "∞"}{" "}
            downloads used; {found.status}.
          </p>
          <LinkAccess
            key={`${found.id}-${found.maxClients}-${found.passphraseProtected}`}
            link={found}
            onChanged={reloadLink}
          />
          <Show loaded={stats} reload={reloadStats} what="Loading the figures">
            {(figures) => <StatsView stats={figures} days={DAYS} />}
          </Show>
          <section aria-labelledby="events-heading">
            <h2 id="events-heading">Events</h2>
            <div class="toolbar">
              <label>
                Outcome{" "}
                <select
                  value={outcome}
                  onChange={(event) =>
                    setOutcome((event.currentTarget as HTMLSelectElement).value as Outcome | "")
                  }
                >
                  <option value="">all events</option>
                  {OUTCOMES.map((value) => (
                    <option key={value} value={value}>
                      {value.replace("_", " ")}
                    </option>
                  ))}
                </select>
              </label>
              <button
                type="button"
                class="secondary"
                onClick={() => {
                  setExportError(undefined);
                  exportCsv(id).catch((error: unknown) => setExportError((error as Error).message));
                }}
              >
                Export CSV
              </button>
              <button type="button" class="secondary" onClick={() => (events.reload(), reloadStats())}>
                Refresh
              </button>
            </div>
            {exportError && (
              <p class="error" role="alert">
                {exportError}
              </p>
            )}
            <PagedTable
              list={events}
              what="Loading events"
              empty={outcome ? "No events with this outcome." : "No events yet."}
              caption="The link's events, newest first"
              rowKey={(event) => event.id}
              rowAttributes={(event) => ({ "data-event-kind": event.kind })}
              columns={[
                { label: "When", cell: (event) => formatDate(event.at) },
                { label: "Event", cell: (event) => kindText[event.kind] },
                { label: "Outcome", cell: (event) => event.outcome?.replace("_", " ") ?? "" },
                { label: "Client", cell: clientText },
                { label: "Country", cell: (event) => event.country ?? "" },
                {
                  label: "Device",
                  cell: (event) =>
                    event.clientId ? <span class="mono">{event.clientId.slice(0, 6)}</span> : "",
                },
              ]}
            />
          </section>
        </>
      )}
    </Show>
  );
}

export function ProductStatsPage(props: { id: string }) {
  const { id } = props;
  const [product] = useLoad(
    async () => unwrap(await api.GET("/api/products/{id}", { params: { path: { id } } })),
    [id],
  );
  const [stats, reload] = useLoad(
    async () =>
      unwrap(await api.GET("/api/products/{id}/stats", { params: { path: { id }, query: { days: DAYS } } })),
    [id],
  );
  return (
    <>
      <Show loaded={product} what="Loading the product">
        {(found) => (
          <>
            <p class="breadcrumb">
              <A href="/my/products">My products</A> ›
            </p>
            <h1>Downloads of {found.title}</h1>
            <p class="muted">
              Every link to <A href={`/products/${encodeURIComponent(id)}`}>this product</A>, yours and your
              buyers'.
            </p>
          </>
        )}
      </Show>
      <Show loaded={stats} reload={reload} what="Loading the figures">
        {(figures) => <StatsView stats={figures} days={DAYS} />}
      </Show>
    </>
  );
}
