import { useState } from "preact/hooks";
import { api, type Link, unwrap } from "../api/client.ts";
import { type LinkField, MAX_DEVICES, networksFrom, refusalByField } from "../lib/link-policy.ts";

type Update = {
  passphrase?: string | null;
  allowedNetworks?: string[] | null;
  maxClients?: number | null;
};

/**
 * Who may use a link: its passphrase (set, changed or removed; never shown: the API says only
 * whether there is one), its allowed networks and its device limit with the bound devices and a
 * reset. Only the link's maker changes them; anyone else who may see the link (the product's
 * seller) sees them.
 */
export function LinkAccess(props: { link: Link; onChanged: () => void }) {
  const { link } = props;
  const [passphrase, setPassphrase] = useState("");
  const [networks, setNetworks] = useState((link.allowedNetworks ?? []).join("\n"));
  const [maxClients, setMaxClients] = useState(link.maxClients?.toString() ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<LinkField, string>>>({});
  const editable = link.ownedByCaller && link.status !== "revoked";

  const run = async (done: string, action: () => Promise<unknown>) => {
    setBusy(true);
    setError("");
    setSaved("");
    setFieldErrors({});
    try {
      await action();
      setSaved(done);
      props.onChanged();
    } catch (caught) {
      const refusal = refusalByField(caught);
      setFieldErrors(refusal.fields);
      setError(refusal.general);
    }
    setBusy(false);
  };
  const patch = (body: Update) =>
    api.PATCH("/api/links/{id}", { params: { path: { id: link.id } }, body }).then(unwrap);

  const save = (event: Event) => {
    event.preventDefault();
    const list = networksFrom(networks);
    const body: Update = {
      allowedNetworks: list.length > 0 ? list : link.allowedNetworks ? null : undefined,
      maxClients: maxClients ? Number(maxClients) : link.maxClients !== undefined ? null : undefined,
    };
    if (passphrase) body.passphrase = passphrase;
    void run("Saved.", async () => {
      await patch(body);
      setPassphrase("");
    });
  };
  const fieldError = (name: LinkField) =>
    fieldErrors[name] ? (
      <span class="field-error" id={`access-error-${name}`} role="alert">
        {fieldErrors[name]}
      </span>
    ) : null;
  const describedBy = (name: LinkField, hint: string) =>
    [fieldErrors[name] ? `access-error-${name}` : "", hint].filter(Boolean).join(" ");

  const devices =
    link.maxClients === undefined
      ? "No device limit."
      : `${link.boundClients ?? 0} of ${link.maxClients} device${link.maxClients === 1 ? "" : "s"} bound.`;
  return (
    <section class="panel access-settings" aria-labelledby="access-heading">
      <h2 id="access-heading">Who may use it</h2>
      <ul class="facts">
        <li data-fact="passphrase">{link.passphraseProtected ? "A passphrase is set." : "No passphrase."}</li>
        <li data-fact="networks">
          {link.allowedNetworks?.length
            ? `Only from: ${link.allowedNetworks.join(", ")}.`
            : "From any network."}
        </li>
        <li data-fact="devices">{devices}</li>
      </ul>
      {editable && (
        <form class="inline-form" onSubmit={save} noValidate>
          <label>
            <span>{link.passphraseProtected ? "New passphrase" : "Passphrase"}</span>
            <input
              type="password"
              autoComplete="new-password"
              value={passphrase}
              minLength={6}
              maxLength={200}
              aria-invalid={fieldErrors.passphrase ? true : undefined}
              aria-describedby={describedBy("passphrase", "access-hint-passphrase")}
              onInput={(e) => setPassphrase(e.currentTarget.value)}
            />
            <span class="hint" id="access-hint-passphrase">
              {link.passphraseProtected ? "Leave empty to keep the current one." : "Leave empty for none."}
            </span>
            {fieldError("passphrase")}
          </label>
          <label>
            <span>Device limit</span>
            <input
              type="number"
              min={1}
              max={MAX_DEVICES}
              step={1}
              value={maxClients}
              aria-invalid={fieldErrors.maxClients ? true : undefined}
              aria-describedby={describedBy("maxClients", "access-hint-devices")}
              onInput={(e) => setMaxClients(e.currentTarget.value)}
            />
            <span class="hint" id="access-hint-devices">
              Empty: no limit.
            </span>
            {fieldError("maxClients")}
          </label>
          <label class="wide">
            <span>Allowed networks</span>
            <textarea
              rows={2}
              value={networks}
              placeholder="203.0.113.0/24"
              aria-invalid={fieldErrors.allowedNetworks ? true : undefined}
              aria-describedby={describedBy("allowedNetworks", "access-hint-networks")}
              onInput={(e) => setNetworks(e.currentTarget.value)}
            />
            <span class="hint" id="access-hint-networks">
              IPv4 or IPv6 CIDR blocks, one per line. Empty: any network.
            </span>
            {fieldError("allowedNetworks")}
          </label>
          <p class="actions-bar wide">
            <button type="submit" disabled={busy}>
              {busy ? "Saving…" : "Save"}
            </button>
            {link.passphraseProtected && (
              <button
                type="button"
                class="secondary"
                disabled={busy}
                onClick={() => run("The passphrase is removed.", () => patch({ passphrase: null }))}
              >
                Remove passphrase
              </button>
            )}
            {link.maxClients !== undefined && (
              <button
                type="button"
                class="secondary"
                disabled={busy}
                onClick={() =>
                  run("Devices reset: the next ones to use the link are bound.", async () =>
                    unwrap(
                      await api.DELETE("/api/links/{id}/clients", { params: { path: { id: link.id } } }),
                    ),
                  )
                }
              >
                Reset devices
              </button>
            )}
          </p>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {saved && (
        <p class="success" role="status">
          {saved}
        </p>
      )}
    </section>
  );
}
