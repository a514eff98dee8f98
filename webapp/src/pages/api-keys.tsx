import { useState } from "preact/hooks";
import { api, describeError, type Scope, unwrap } from "../api/client.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { PagedTable } from "../components/paged-table.tsx";
import { ShownOnce } from "../components/shown-once.tsx";
import { formatDate } from "../lib/format.ts";
import { usePaged } from "../lib/use-paged.ts";

/** Keyed by the API's closed list of scopes: a new scope does not compile until it is named here. */
const scopeText: Record<Scope, string> = {
  "links:read": "See links",
  "links:write": "Create, change and revoke links",
  "products:read": "See products",
  "products:write": "Add and edit products, upload files",
  "orders:read": "See orders and sales",
  "orders:write": "Buy and refund",
  "files:read": "See and link your files",
  "files:write": "Upload and delete your files",
  "webhooks:write": "Manage webhooks",
};
const allScopes = (Object.entries(scopeText) as [Scope, string][]).map(([scope, text]) => ({ scope, text }));

export function ApiKeysPage() {
  const list = usePaged(async (cursor) =>
    unwrap(await api.GET("/api/keys", { params: { query: { limit: 50, cursor } } })),
  );
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["links:read"]);
  const [created, setCreated] = useState<string>();
  const [rotated, setRotated] = useState<{ name: string; key: string; oldUntil?: string }>();
  const [errors, setErrors] = useState<{ name?: string; scopes?: string }>({});
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError("");
    const found = {
      name: name.trim() ? undefined : "Give the key a name, so you know later what uses it.",
      scopes: scopes.length > 0 ? undefined : "Choose at least one permission.",
    };
    setErrors(found);
    if (found.name || found.scopes) {
      document.getElementById(found.name ? "key-name" : "scope-links:read")?.focus();
      return;
    }
    setBusy(true);
    try {
      const key = unwrap(await api.POST("/api/keys", { body: { name: name.trim(), scopes } }));
      setRotated(undefined);
      setCreated(key.key);
      // A fresh form for the next key: nothing of this one carries over.
      setName("");
      setScopes(["links:read"]);
      list.reload();
    } catch (caught) {
      setError(describeError(caught));
    }
    setBusy(false);
  };
  return (
    <>
      <h1>API keys</h1>
      <p class="muted">An API key lets another program act as you, limited to the permissions you choose.</p>
      {created && (
        <ShownOnce
          label="Your new API key"
          value={created}
          note="This key is shown only once. Store it somewhere safe now."
          onDismiss={() => setCreated(undefined)}
        />
      )}
      {rotated && (
        <ShownOnce
          label={`New secret for “${rotated.name}”`}
          value={rotated.key}
          note={`This secret is shown only once: store it now. ${
            rotated.oldUntil
              ? `The old secret keeps working until ${formatDate(rotated.oldUntil)}, then stops.`
              : "The old secret has stopped working."
          }`}
          onDismiss={() => setRotated(undefined)}
        />
      )}
      <form class="panel" onSubmit={submit} noValidate>
        <h2>Create a key</h2>
        <div class="field">
          <label htmlFor="key-name">Name</label>
          <input
            id="key-name"
            value={name}
            maxLength={100}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={errors.name ? "error-key-name" : undefined}
            onInput={(e) => setName(e.currentTarget.value)}
          />
          {errors.name && (
            <span class="field-error" id="error-key-name">
              {errors.name}
            </span>
          )}
        </div>
        <fieldset aria-describedby={errors.scopes ? "error-scopes" : undefined}>
          <legend>Permissions</legend>
          {errors.scopes && (
            <span class="field-error" id="error-scopes">
              {errors.scopes}
            </span>
          )}
          {allScopes.map(({ scope, text }) => (
            <label key={scope} class="check">
              <input
                type="checkbox"
                id={`scope-${scope}`}
                checked={scopes.includes(scope)}
                onChange={(e) => {
                  const checked = e.currentTarget.checked;
                  setScopes((previous) =>
                    checked ? [...previous, scope] : previous.filter((s) => s !== scope),
                  );
                }}
              />
              <span class="mono">{scope}</span> <span class="muted">{text}</span>
            </label>
          ))}
        </fieldset>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create key"}
        </button>
      </form>
      <PagedTable
        list={list}
        what="Loading your keys"
        empty="No API keys yet."
        caption="Your API keys, newest first"
        rowKey={(key) => key.id}
        columns={[
          { label: "Name", cell: (key) => key.name },
          { label: "Key ends", cell: (key) => <span class="mono">…{key.keyHint}</span>, class: "nowrap" },
          { label: "Permissions", cell: (key) => <span class="mono small">{key.scopes.join(" ")}</span> },
          { label: "Created", cell: (key) => formatDate(key.createdAt) },
          { label: "Last used", cell: (key) => (key.lastUsedAt ? formatDate(key.lastUsedAt) : "never") },
          {
            label: "Status",
            cell: (key) => (
              <span>
                <span class={`state ${key.status}`}>{key.status}</span>
                {key.previousKeyValidUntil && (
                  <span class="muted small"> · old secret until {formatDate(key.previousKeyValidUntil)}</span>
                )}
              </span>
            ),
          },
        ]}
        actions={(key) =>
          key.status === "active" && (
            <>
              <ConfirmButton
                label="Rotate"
                question="Give this key a new secret? The current one keeps working for a while, so you can switch your program over."
                confirmLabel="Yes, new secret"
                onConfirm={async () => {
                  const next = unwrap(
                    await api.POST("/api/keys/{id}/rotate", { params: { path: { id: key.id } } }),
                  );
                  setCreated(undefined);
                  setRotated({ name: next.name, key: next.key, oldUntil: next.previousKeyValidUntil });
                  list.reload();
                  window.scrollTo({ top: 0 });
                }}
              />
              <ConfirmButton
                label="Revoke"
                danger
                question="Revoke this key? Programs using it stop working."
                onConfirm={async () => {
                  unwrap(await api.DELETE("/api/keys/{id}", { params: { path: { id: key.id } } }));
                  list.reload();
                }}
              />
            </>
          )
        }
      />
    </>
  );
}
