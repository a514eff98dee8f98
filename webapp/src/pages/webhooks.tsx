import { useEffect, useState } from "preact/hooks";
import {
  api,
  describeError,
  unwrap,
  type Webhook,
  type WebhookDelivery,
  type WebhookEventType,
} from "../api/client.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { MoreButton } from "../components/more-button.tsx";
import { PagedTable } from "../components/paged-table.tsx";
import { ShownOnce } from "../components/shown-once.tsx";
import { Show } from "../components/status.tsx";
import { formatDate } from "../lib/format.ts";
import { usePaged } from "../lib/use-paged.ts";

/** Every event type the API accepts: a Record, so a type added to the API without a line here does not compile. */
const eventTexts: Record<WebhookEventType, string> = {
  "link.created": "A link was made",
  "link.downloaded": "A link was downloaded",
  "link.refused": "A download was refused",
  "link.exhausted": "A link used its last download",
  "link.revoked": "A link was revoked",
  "link.rotated": "A link got a new token",
  "order.created": "Someone bought your product",
  "order.refunded": "An order was refunded",
  "product.updated": "Your product changed",
  "product.deleted": "Your product was deleted",
};
const eventTypes = Object.keys(eventTexts) as WebhookEventType[];

/** How often, and how many times, the log looks again for the attempt an action queued. */
const POLL_MS = 700;
const POLL_TRIES = 20;

export function WebhooksPage() {
  const list = usePaged(async (cursor) =>
    unwrap(await api.GET("/api/webhooks", { params: { query: { limit: 50, cursor } } })),
  );
  const [secret, setSecret] = useState<{ label: string; value: string }>();
  return (
    <>
      <h1>Webhooks</h1>
      <p class="muted">
        A webhook tells another server when something happens: Evergate POSTs a signed message (Standard
        Webhooks) to its URL, and retries for about a day when the server does not answer.
      </p>
      {secret && (
        <ShownOnce
          label={secret.label}
          value={secret.value}
          note="This signing secret is shown only once. Store it with your receiver now."
          onDismiss={() => setSecret(undefined)}
        />
      )}
      <CreateWebhookForm
        onCreated={(created) => {
          setSecret({ label: "Signing secret of the new webhook", value: created.secret });
          list.reload();
        }}
      />
      <h2>Your webhooks</h2>
      <Show loaded={list.loaded} reload={list.reload} what="Loading your webhooks">
        {(page) =>
          page.items.length === 0 ? (
            <p class="empty">No webhooks yet.</p>
          ) : (
            <ul class="rows">
              {page.items.map((webhook) => (
                <li key={webhook.id} class="panel webhook" data-webhook-id={webhook.id}>
                  <WebhookCard
                    webhook={webhook}
                    onChanged={list.reload}
                    onRotated={(value) =>
                      setSecret({ label: `New signing secret for ${webhook.url}`, value })
                    }
                  />
                </li>
              ))}
            </ul>
          )
        }
      </Show>
      <MoreButton list={list} />
    </>
  );
}

function WebhookStatus({ webhook }: { webhook: Webhook }) {
  return (
    <>
      <span class={`state ${webhook.enabled ? "active" : "revoked"}`} data-state>
        {webhook.enabled ? "enabled" : "disabled"}
      </span>
      {webhook.disabledReason && <span class="small muted"> — {webhook.disabledReason}</span>}
      {webhook.failureStreak > 0 && (
        <span class="small muted"> · {webhook.failureStreak} failed in a row</span>
      )}
      {webhook.previousSecretExpiresAt && (
        <span class="small muted">
          {" "}
          Old secret signs too until {formatDate(webhook.previousSecretExpiresAt)}
        </span>
      )}
    </>
  );
}

function CreateWebhookForm(props: { onCreated: (created: { secret: string }) => void }) {
  const [url, setUrl] = useState("");
  const [chosen, setChosen] = useState<WebhookEventType[]>(["link.downloaded"]);
  const [enabled, setEnabled] = useState(true);
  const [errors, setErrors] = useState<{ url?: string; events?: string }>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError("");
    const found = {
      url: /^https?:\/\/\S+$/.test(url.trim())
        ? undefined
        : "Enter the receiver's URL, starting with https://.",
      events: chosen.length > 0 ? undefined : "Choose at least one event.",
    };
    setErrors(found);
    if (found.url || found.events) {
      document.getElementById(found.url ? "webhook-url" : `event-${eventTypes[0]}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const created = unwrap(
        await api.POST("/api/webhooks", { body: { url: url.trim(), eventTypes: chosen, enabled } }),
      );
      setUrl("");
      setChosen(["link.downloaded"]);
      setEnabled(true);
      props.onCreated(created);
    } catch (caught) {
      setError(describeError(caught));
    }
    setBusy(false);
  };
  return (
    <form class="panel" onSubmit={submit} noValidate>
      <h2>Add a webhook</h2>
      <div class="field">
        <label htmlFor="webhook-url">Receiver URL</label>
        <input
          id="webhook-url"
          type="url"
          inputMode="url"
          placeholder="https://hooks.example.com/evergate"
          value={url}
          maxLength={2000}
          aria-invalid={errors.url ? true : undefined}
          aria-describedby={errors.url ? "error-webhook-url" : undefined}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
        {errors.url && (
          <span class="field-error" id="error-webhook-url">
            {errors.url}
          </span>
        )}
      </div>
      <fieldset aria-describedby={errors.events ? "error-events" : undefined}>
        <legend>Events</legend>
        {errors.events && (
          <span class="field-error" id="error-events">
            {errors.events}
          </span>
        )}
        {eventTypes.map((type) => (
          <label key={type} class="check">
            <input
              type="checkbox"
              id={`event-${type}`}
              checked={chosen.includes(type)}
              onChange={(e) => {
                const checked = e.currentTarget.checked;
                setChosen((previous) => (checked ? [...previous, type] : previous.filter((t) => t !== type)));
              }}
            />
            <span class="mono">{type}</span> <span class="muted">{eventTexts[type]}</span>
          </label>
        ))}
      </fieldset>
      <label class="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        Enabled: send events as they happen
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? "Adding…" : "Add webhook"}
      </button>
    </form>
  );
}

function WebhookCard(props: {
  webhook: Webhook;
  onChanged: () => void;
  onRotated: (secret: string) => void;
}) {
  const { webhook } = props;
  const id = webhook.id;
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [showLog, setShowLog] = useState(false);
  /** A delivery the log waits to see with more attempts than it had when queued. */
  const [awaited, setAwaited] = useState<{ id: string; attempts: number }>();
  const act = async (run: () => Promise<void>) => {
    setBusy(true);
    setError("");
    try {
      await run();
    } catch (caught) {
      setError(describeError(caught));
    }
    setBusy(false);
  };
  const logId = `log-${id}`;
  return (
    <>
      <h3 class="mono break">{webhook.url}</h3>
      <p>
        <WebhookStatus webhook={webhook} />
      </p>
      <p class="small">
        Events: <span class="mono">{webhook.eventTypes.join(" ")}</span> · Added{" "}
        {formatDate(webhook.createdAt)}
      </p>
      <div class="actions-bar">
        <button
          type="button"
          class="secondary"
          disabled={busy}
          onClick={() =>
            act(async () => {
              unwrap(
                await api.PATCH("/api/webhooks/{id}", {
                  params: { path: { id } },
                  body: { enabled: !webhook.enabled },
                }),
              );
              props.onChanged();
            })
          }
        >
          {webhook.enabled ? "Disable" : "Enable"}
        </button>
        <button
          type="button"
          class="secondary"
          disabled={busy || !webhook.enabled}
          title={webhook.enabled ? undefined : "Enable the webhook first"}
          onClick={() =>
            act(async () => {
              const delivery = unwrap(
                await api.POST("/api/webhooks/{id}/ping", { params: { path: { id } } }),
              );
              setAwaited({ id: delivery.id, attempts: delivery.attempts.length });
              setShowLog(true);
            })
          }
        >
          Send test ping
        </button>
        <button
          type="button"
          class="secondary"
          aria-expanded={showLog}
          aria-controls={logId}
          onClick={() => setShowLog(!showLog)}
        >
          {showLog ? "Hide deliveries" : "Deliveries"}
        </button>
        <ConfirmButton
          label="Rotate secret"
          question="Make a new secret? The old one keeps signing for 24 hours."
          confirmLabel="Yes, rotate"
          onConfirm={async () => {
            const rotated = unwrap(
              await api.POST("/api/webhooks/{id}/rotate-secret", { params: { path: { id } } }),
            );
            props.onRotated(rotated.secret);
            props.onChanged();
          }}
        />
        <ConfirmButton
          label="Delete"
          danger
          question="Delete this webhook? Waiting deliveries are dropped."
          onConfirm={async () => {
            unwrap(await api.DELETE("/api/webhooks/{id}", { params: { path: { id } } }));
            props.onChanged();
          }}
        />
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {showLog && (
        <DeliveryLog
          id={logId}
          webhook={webhook}
          awaited={awaited}
          onRedeliver={(delivery) => setAwaited({ id: delivery.id, attempts: delivery.attempts.length })}
          onSeen={() => setAwaited(undefined)}
        />
      )}
    </>
  );
}

function DeliveryLog(props: {
  id: string;
  webhook: Webhook;
  awaited?: { id: string; attempts: number };
  onRedeliver: (delivery: WebhookDelivery) => void;
  onSeen: () => void;
}) {
  const webhookId = props.webhook.id;
  const list = usePaged(
    async (cursor) =>
      unwrap(
        await api.GET("/api/webhooks/{id}/deliveries", {
          params: { path: { id: webhookId }, query: { limit: 20, cursor } },
        }),
      ),
    [webhookId, props.awaited?.id, props.awaited?.attempts],
  );
  const [tries, setTries] = useState(0);
  const { awaited, onSeen } = props;
  const { loaded, reload } = list;
  // The attempt runs off the request path: look again until it is in the log, for a few seconds.
  useEffect(() => {
    if (!awaited || loaded.state !== "ready") return;
    const found = loaded.data.items.find((delivery) => delivery.id === awaited.id);
    if ((found && found.attempts.length > awaited.attempts) || tries >= POLL_TRIES) {
      setTries(0);
      onSeen();
      return;
    }
    const timer = setTimeout(() => {
      setTries((n) => n + 1);
      reload();
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [awaited, loaded, reload, onSeen, tries]);
  return (
    <section id={props.id} class="delivery-log" aria-label={`Deliveries to ${props.webhook.url}`}>
      <div class="toolbar">
        <button type="button" class="secondary" onClick={reload}>
          Refresh
        </button>
        {awaited && (
          <span class="small muted" role="status">
            Waiting for the attempt…
          </span>
        )}
      </div>
      <PagedTable
        list={list}
        what="Loading deliveries"
        empty="No deliveries yet."
        caption="Deliveries, newest first"
        rowKey={(delivery) => delivery.id}
        rowAttributes={(delivery) => ({
          "data-delivery-id": delivery.id,
          "data-attempts": String(delivery.attempts.length),
        })}
        columns={[
          { label: "Last attempt", cell: (delivery) => formatDate(delivery.attempts.at(-1)?.at) },
          { label: "Event", cell: (delivery) => <span class="mono small">{delivery.eventType}</span> },
          { label: "Status code", cell: (delivery) => delivery.attempts.at(-1)?.status ?? "—" },
          {
            label: "Latency",
            cell: (delivery) => {
              const last = delivery.attempts.at(-1);
              return last ? `${last.latencyMs} ms` : "—";
            },
          },
          { label: "Outcome", cell: (delivery) => <DeliveryOutcome delivery={delivery} /> },
          { label: "Attempts", cell: (delivery) => delivery.attempts.length },
        ]}
        actions={(delivery) => (
          <RedeliverButton webhook={props.webhook} delivery={delivery} onQueued={props.onRedeliver} />
        )}
      />
    </section>
  );
}

function DeliveryOutcome({ delivery }: { delivery: WebhookDelivery }) {
  const last = delivery.attempts.at(-1);
  const state = { delivered: "active", failed: "revoked", pending: "expired" }[delivery.state];
  return (
    <>
      <span class={`state ${state}`}>{delivery.state}</span>
      {last?.error && <span class="small muted"> {last.error}</span>}
      {delivery.state === "pending" && delivery.nextAttemptAt && (
        <span class="small muted"> next try {formatDate(delivery.nextAttemptAt)}</span>
      )}
    </>
  );
}

function RedeliverButton(props: {
  webhook: Webhook;
  delivery: WebhookDelivery;
  onQueued: (delivery: WebhookDelivery) => void;
}) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        class="secondary"
        disabled={busy || !props.webhook.enabled}
        aria-label={`Redeliver ${props.delivery.eventType} of ${formatDate(props.delivery.createdAt)}`}
        onClick={async () => {
          setBusy(true);
          setError("");
          try {
            props.onQueued(
              unwrap(
                await api.POST("/api/webhooks/{id}/deliveries/{deliveryId}/redeliver", {
                  params: { path: { id: props.webhook.id, deliveryId: props.delivery.id } },
                }),
              ),
            );
          } catch (caught) {
            setError(describeError(caught));
          }
          setBusy(false);
        }}
      >
        Redeliver
      </button>
      {error && (
        <span class="inline-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
