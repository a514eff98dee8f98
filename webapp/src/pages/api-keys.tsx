import { useState } from "preact/hooks";
import { api, describeError, type Scope, unwrap } from "../api/client.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { PagedTable } from "../components/paged-table.tsx";
import { ShownOnce } from "../components/shown-once.tsx";
import { formatDate } from "../lib/format.ts";
import { usePaged } from "../lib/use-paged.ts";

const allScopes: { scope: Scope; text: string }[] = [
  { scope: "links:read", text: "See links" },
  { scope: "links:write", text: "Create, change and revoke links" },
  { scope: "products:read", text: "See products" },
  { scope: "products:write", text: "Add and edit products, upload files" },
  { scope: "orders:read", text: "See orders and sales" },
  { scope: "orders:write", text: "Buy and refund" },
];

export function ApiKeysPage() {
  const list = usePaged(async (cursor) =>
    unwrap(await api.GET("/api/keys", { params: { query: { limit: 50, cursor } } })),
  );
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["links:read"]);
  const [created, setCreated] = useState<string>();
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError("");
    if (!name.trim()) return setError("Give the key a name, so you know later what uses it.");
    if (scopes.length === 0) return setError("Choose at least one permission.");
    setBusy(true);
    try {
      const key = unwrap(await api.POST("/api/keys", { body: { name: name.trim(), scopes } }));
      setCreated(key.key);
      setName("");
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
      <form class="panel" onSubmit={submit}>
        <h2>Create a key</h2>
        <div class="field">
          <label htmlFor="key-name">Name</label>
          <input id="key-name" value={name} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <fieldset>
          <legend>Permissions</legend>
          {allScopes.map(({ scope, text }) => (
            <label key={scope} class="check">
              <input
                type="checkbox"
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
        columns={["Name", "Key ends", "Permissions", "Created", "Last used", "Status"]}
        actions
        row={(key) => (
          <tr key={key.id}>
            <td>{key.name}</td>
            <td class="mono">…{key.keyHint}</td>
            <td class="mono small">{key.scopes.join(" ")}</td>
            <td>{formatDate(key.createdAt)}</td>
            <td>{key.lastUsedAt ? formatDate(key.lastUsedAt) : "never"}</td>
            <td>
              <span class={`badge ${key.status}`}>{key.status}</span>
            </td>
            <td class="actions">
              {key.status === "active" && (
                <ConfirmButton
                  label="Revoke"
                  danger
                  question="Revoke this key? Programs using it stop working."
                  onConfirm={async () => {
                    unwrap(await api.DELETE("/api/keys/{id}", { params: { path: { id: key.id } } }));
                    list.reload();
                  }}
                />
              )}
            </td>
          </tr>
        )}
      />
    </>
  );
}
