import { useEffect, useRef, useState } from "preact/hooks";
import { api, type CreatedLink, isNotFound, type Order, type ProductDetail, unwrap } from "../api/client.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { Dialog } from "../components/dialog.tsx";
import { LinksTable } from "../components/links-table.tsx";
import { ShownOnce } from "../components/shown-once.tsx";
import { ErrorMessage, Missing, Show } from "../components/status.tsx";
import { login, session } from "../lib/auth.ts";
import { getConfig } from "../lib/config.ts";
import { downloadProduct } from "../lib/download.ts";
import { formatBytes, formatDate, formatPrice } from "../lib/format.ts";
import {
  type LinkField,
  latestExpiry,
  MAX_DEVICES,
  networksFrom,
  refusalByField,
} from "../lib/link-policy.ts";
import { flash, useTitle } from "../lib/page.ts";
import { A, navigate } from "../lib/router.tsx";
import { useStore } from "../lib/store.ts";
import { useLoad } from "../lib/use-load.ts";

export function ProductPage({ id }: { id: string }) {
  const { signedIn } = useStore(session);
  const [loaded, reload] = useLoad(
    async () => unwrap(await api.GET("/api/products/{id}", { params: { path: { id } } })),
    [id, signedIn],
  );
  const [receipt, setReceipt] = useState<Order>();
  useTitle(
    loaded.state === "ready"
      ? loaded.data.title
      : loaded.state === "error" && isNotFound(loaded.error)
        ? "Product not found"
        : undefined,
  );
  return (
    <Show
      loaded={loaded}
      reload={reload}
      what="Loading the product"
      missing={
        <Missing title="This product no longer exists">
          Its seller may have deleted it, or the address may be mistyped. If you bought it, your order is
          still in My orders.
        </Missing>
      }
    >
      {(product) => (
        <ProductView
          product={product}
          receipt={receipt?.productId === product.id ? receipt : undefined}
          onBought={(order) => {
            setReceipt(order);
            reload();
          }}
        />
      )}
    </Show>
  );
}

function ProductView(props: { product: ProductDetail; receipt?: Order; onBought: (order: Order) => void }) {
  const { product, receipt } = props;
  const { signedIn } = useStore(session);
  const viewer = product.viewer;
  const canDownload = viewer ? viewer.isAuthor || viewer.hasBought : false;
  const [linksVersion, setLinksVersion] = useState(0);
  return (
    <article class="product">
      <div class="product-media">
        <img src={product.imageUrl} alt={`Promo for ${product.title}`} width={640} height={360} />
      </div>
      <div class="product-body">
        <h1>{product.title}</h1>
        <p class="price big">{formatPrice(product.price)}</p>
        <p class="muted">
          by {product.author.name} · added {formatDate(product.createdAt)}
        </p>
        <p class="description">{product.description}</p>
        <p class="muted">
          File: <span class="mono">{product.deliverable.filename}</span> (
          {formatBytes(product.deliverable.size)})
        </p>
        {receipt ? (
          <Receipt order={receipt} product={product} />
        ) : (
          <Actions product={product} signedIn={signedIn} onBought={props.onBought} />
        )}
      </div>
      {canDownload && <SharePanel productId={product.id} onCreated={() => setLinksVersion((n) => n + 1)} />}
      {viewer?.isAuthor && <ProductLinks productId={product.id} version={linksVersion} />}
    </article>
  );
}

function buyLabel(product: ProductDetail): string {
  return product.price.amount === 0 ? "Get it free" : `Buy for ${formatPrice(product.price)}`;
}

function Actions(props: { product: ProductDetail; signedIn: boolean; onBought: (order: Order) => void }) {
  const { product } = props;
  const viewer = product.viewer;
  const [busy, setBusy] = useState<"" | "buy" | "download">("");
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = (kind: "buy" | "download", action: () => Promise<void>) => async () => {
    setBusy(kind);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    }
    setBusy("");
  };
  const download = run("download", () => downloadProduct(product.id));
  const buy = run("buy", async () => {
    const order = unwrap(
      await api.POST("/api/products/{id}/orders", { params: { path: { id: product.id } } }),
    );
    setConfirming(false);
    props.onBought(order);
  });
  const free = product.price.amount === 0;
  return (
    <div class="actions-bar">
      {!props.signedIn && (
        <button type="button" onClick={() => login().catch(setError)}>
          {free ? "Log in to get it free" : "Log in to buy"}
        </button>
      )}
      {viewer?.isAuthor && (
        <>
          <A href={`/products/${encodeURIComponent(product.id)}/edit`} class="button secondary">
            Edit
          </A>
          <A href={`/products/${encodeURIComponent(product.id)}/stats`} class="button secondary">
            Downloads
          </A>
        </>
      )}
      {viewer && (viewer.isAuthor || viewer.hasBought) && (
        <button type="button" onClick={download} disabled={busy !== ""}>
          {busy === "download" ? "Preparing download…" : "Download"}
        </button>
      )}
      {viewer && !viewer.isAuthor && !viewer.hasBought && (
        <button type="button" onClick={() => setConfirming(true)} disabled={busy !== ""}>
          {buyLabel(product)}
        </button>
      )}
      {viewer?.isAuthor && (
        <ConfirmButton
          label="Delete"
          danger
          question="Delete this product? Its links stop working and buyers lose the download."
          onConfirm={async () => {
            unwrap(await api.DELETE("/api/products/{id}", { params: { path: { id: product.id } } }));
            flash.set({ path: "/my/products", message: `Deleted “${product.title}”.` });
            navigate("/my/products");
          }}
        />
      )}
      <Dialog
        open={confirming}
        title={free ? "Get this product free?" : "Confirm your purchase"}
        confirmLabel={busy === "buy" ? "Buying…" : free ? "Get it free" : `Pay ${formatPrice(product.price)}`}
        busy={busy === "buy"}
        onConfirm={buy}
        onCancel={() => setConfirming(false)}
      >
        <p>
          <strong>{product.title}</strong> by {product.author.name}
        </p>
        <p>
          {free ? "Free" : formatPrice(product.price)} · {product.deliverable.filename} (
          {formatBytes(product.deliverable.size)})
        </p>
        <p class="muted">It will be in My orders, ready to download, right away.</p>
        {error !== undefined && confirming && <ErrorMessage error={error} />}
      </Dialog>
      {error !== undefined && !confirming && <ErrorMessage error={error} />}
    </div>
  );
}

/** The thank-you after buying: what was bought, the download, and a way to share it. */
function Receipt({ order, product }: { order: Order; product: ProductDetail }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  useEffect(() => heading.current?.focus(), []);
  return (
    <section class="receipt" aria-labelledby="receipt-heading">
      <h2 id="receipt-heading" ref={heading} tabIndex={-1}>
        Thank you! “{product.title}” is yours.
      </h2>
      <dl>
        <dt>Order</dt>
        <dd class="mono">{order.id}</dd>
        <dt>Paid</dt>
        <dd>{order.price.amount === 0 ? "Nothing, it is free" : formatPrice(order.price)}</dd>
        <dt>Date</dt>
        <dd>{formatDate(order.createdAt)}</dd>
        <dt>File</dt>
        <dd>
          {product.deliverable.filename} ({formatBytes(product.deliverable.size)})
        </dd>
      </dl>
      <p class="actions-bar">
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            await downloadProduct(product.id).catch(setError);
            setBusy(false);
          }}
        >
          {busy ? "Preparing download…" : "Download"}
        </button>
        <button type="button" class="secondary" onClick={focusShareForm}>
          Create a share link
        </button>
        <A href="/orders">See My orders</A>
      </p>
      {error !== undefined && <ErrorMessage error={error} />}
    </section>
  );
}

function focusShareForm() {
  const field = document.getElementById("share-label");
  field?.scrollIntoView({ block: "center" });
  field?.focus();
}

function SharePanel({ productId, onCreated }: { productId: string; onCreated: () => void }) {
  const [config] = useLoad(getConfig, []);
  const policy = config.state === "ready" ? config.data.linkPolicy : undefined;
  const [label, setLabel] = useState("");
  const [expires, setExpires] = useState("");
  const [maxDownloads, setMaxDownloads] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const [networks, setNetworks] = useState("");
  const [maxClients, setMaxClients] = useState("");
  const [created, setCreated] = useState<CreatedLink>();
  const [error, setError] = useState("");
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<LinkField, string>>>({});
  const [busy, setBusy] = useState(false);
  const downloadCap = policy?.maxDownloadsCap ?? 1_000_000;
  const expiryRequired = policy?.maxExpiryDays !== undefined;
  const limitRequired = policy?.requireMaxDownloads === true;
  const passphraseRequired = policy?.requirePassphraseWhenUnlimited === true && maxDownloads === "";
  const submit = async (event: Event) => {
    event.preventDefault();
    setError("");
    setFieldErrors({});
    const expiresAt = expires ? new Date(expires) : undefined;
    if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= Date.now())) {
      setFieldErrors({ expiresAt: "The expiry must be in the future." });
      return;
    }
    const limit = maxDownloads ? Number(maxDownloads) : undefined;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000)) {
      setFieldErrors({ maxDownloads: "The download limit must be a whole number from 1 to 1,000,000." });
      return;
    }
    const devices = maxClients ? Number(maxClients) : undefined;
    const allowedNetworks = networksFrom(networks);
    setBusy(true);
    try {
      const link = unwrap(
        await api.POST("/api/links", {
          body: {
            productId,
            label: label.trim() || undefined,
            expiresAt: expiresAt?.toISOString(),
            maxDownloads: limit,
            passphrase: passphrase || undefined,
            allowedNetworks: allowedNetworks.length > 0 ? allowedNetworks : undefined,
            maxClients: devices,
          },
        }),
      );
      setCreated(link);
      setLabel("");
      setExpires("");
      setMaxDownloads("");
      setPassphrase("");
      setNetworks("");
      setMaxClients("");
      onCreated();
    } catch (caught) {
      const refusal = refusalByField(caught);
      setFieldErrors(refusal.fields);
      setError(refusal.general);
    }
    setBusy(false);
  };
  const optional = (required: boolean) => (
    <span class="muted">{required ? "(required by this site's policy)" : "(optional)"}</span>
  );
  const fieldError = (name: LinkField) =>
    fieldErrors[name] ? (
      <span class="field-error" id={`share-error-${name}`} role="alert">
        {fieldErrors[name]}
      </span>
    ) : null;
  const describedBy = (name: LinkField, hint?: string) =>
    [fieldErrors[name] ? `share-error-${name}` : "", hint ?? ""].filter(Boolean).join(" ") || undefined;
  return (
    <section class="panel share" aria-labelledby="share-heading">
      <h2 id="share-heading">Share a permanent link</h2>
      <p class="muted">
        A permanent link downloads this product's file without logging in. You can revoke it at any time in My
        links.
      </p>
      {created && (
        <ShownOnce
          label="Your new permanent link"
          value={created.url}
          note="This link is shown only once. Copy it now; later you will only see its last four characters."
          onDismiss={() => setCreated(undefined)}
        />
      )}
      <form onSubmit={submit} class="inline-form" noValidate>
        <label>
          <span>
            Label <span class="muted">(optional)</span>
          </span>
          <input
            id="share-label"
            value={label}
            maxLength={100}
            onInput={(e) => setLabel(e.currentTarget.value)}
          />
        </label>
        <label>
          <span>Expires {optional(expiryRequired)}</span>
          <input
            type="datetime-local"
            value={expires}
            required={expiryRequired}
            max={latestExpiry(policy)}
            aria-invalid={fieldErrors.expiresAt ? true : undefined}
            aria-describedby={describedBy("expiresAt")}
            onInput={(e) => setExpires(e.currentTarget.value)}
          />
          {fieldError("expiresAt")}
        </label>
        <label>
          <span>Download limit {optional(limitRequired)}</span>
          <input
            type="number"
            min={1}
            max={downloadCap}
            step={1}
            value={maxDownloads}
            required={limitRequired}
            aria-invalid={fieldErrors.maxDownloads ? true : undefined}
            aria-describedby={describedBy("maxDownloads")}
            onInput={(e) => setMaxDownloads(e.currentTarget.value)}
          />
          {fieldError("maxDownloads")}
        </label>
        <label>
          <span>Passphrase {optional(passphraseRequired)}</span>
          <input
            type="password"
            autoComplete="new-password"
            value={passphrase}
            minLength={6}
            maxLength={200}
            required={passphraseRequired}
            aria-invalid={fieldErrors.passphrase ? true : undefined}
            aria-describedby={describedBy("passphrase", "share-hint-passphrase")}
            onInput={(e) => setPassphrase(e.currentTarget.value)}
          />
          <span class="hint" id="share-hint-passphrase">
            6 or more characters; asked for before each download, never shown again.
          </span>
          {fieldError("passphrase")}
        </label>
        <label>
          <span>
            Device limit <span class="muted">(optional)</span>
          </span>
          <input
            type="number"
            min={1}
            max={MAX_DEVICES}
            step={1}
            value={maxClients}
            aria-invalid={fieldErrors.maxClients ? true : undefined}
            aria-describedby={describedBy("maxClients", "share-hint-devices")}
            onInput={(e) => setMaxClients(e.currentTarget.value)}
          />
          <span class="hint" id="share-hint-devices">
            Only the first this many devices may use it.
          </span>
          {fieldError("maxClients")}
        </label>
        <label class="wide">
          <span>
            Allowed networks <span class="muted">(optional)</span>
          </span>
          <textarea
            rows={2}
            value={networks}
            placeholder="203.0.113.0/24"
            aria-invalid={fieldErrors.allowedNetworks ? true : undefined}
            aria-describedby={describedBy("allowedNetworks", "share-hint-networks")}
            onInput={(e) => setNetworks(e.currentTarget.value)}
          />
          <span class="hint" id="share-hint-networks">
            IPv4 or IPv6 CIDR blocks, one per line; only these may use the link.
          </span>
          {fieldError("allowedNetworks")}
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create link"}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function ProductLinks({ productId, version }: { productId: string; version: number }) {
  const [loaded, reload] = useLoad(
    async () =>
      unwrap(
        await api.GET("/api/products/{id}/links", {
          params: { path: { id: productId }, query: { limit: 100 } },
        }),
      ),
    [productId, version],
  );
  return (
    <section class="panel" aria-labelledby="product-links-heading">
      <h2 id="product-links-heading">Links to this product</h2>
      <Show loaded={loaded} reload={reload} what="Loading links">
        {(page) => (
          <LinksTable
            links={page.items}
            caption="Every permanent link to this product, whoever made it"
            onChanged={reload}
          />
        )}
      </Show>
    </section>
  );
}
