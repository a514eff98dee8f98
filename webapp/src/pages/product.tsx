import { useState } from "preact/hooks";
import { api, type CreatedLink, describeError, type ProductDetail, unwrap } from "../api/client.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { LinksTable } from "../components/links-table.tsx";
import { ShownOnce } from "../components/shown-once.tsx";
import { ErrorMessage, Show } from "../components/status.tsx";
import { login, session } from "../lib/auth.ts";
import { formatBytes, formatDate, formatPrice } from "../lib/format.ts";
import { A, navigate } from "../lib/router.tsx";
import { useStore } from "../lib/store.ts";
import { useLoad } from "../lib/use-load.ts";

export function ProductPage({ id }: { id: string }) {
  const { signedIn } = useStore(session);
  const [loaded, reload] = useLoad(
    async () => unwrap(await api.GET("/api/products/{id}", { params: { path: { id } } })),
    [id, signedIn],
  );
  return (
    <Show loaded={loaded} reload={reload} what="Loading the product">
      {(product) => <ProductView product={product} reload={reload} />}
    </Show>
  );
}

function ProductView({ product, reload }: { product: ProductDetail; reload: () => void }) {
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
        <Actions product={product} signedIn={signedIn} reload={reload} />
      </div>
      {canDownload && <SharePanel productId={product.id} onCreated={() => setLinksVersion((n) => n + 1)} />}
      {viewer?.isAuthor && <ProductLinks productId={product.id} version={linksVersion} />}
    </article>
  );
}

function Actions(props: { product: ProductDetail; signedIn: boolean; reload: () => void }) {
  const { product } = props;
  const viewer = product.viewer;
  const [busy, setBusy] = useState<"" | "buy" | "download">("");
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState("");
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
  const download = run("download", async () => {
    const answer = unwrap(
      await api.GET("/api/products/{id}/download", {
        params: { path: { id: product.id } },
        headers: { Accept: "application/json" },
      }),
    );
    // A cross-origin redirect cannot be followed by fetch; the browser downloads the signed URL itself.
    location.assign(answer.url);
  });
  const buy = run("buy", async () => {
    unwrap(await api.POST("/api/products/{id}/orders", { params: { path: { id: product.id } } }));
    setNotice("Bought. You can download it now; it is listed in My orders.");
    props.reload();
  });
  return (
    <div class="actions-bar">
      {!props.signedIn && (
        <button type="button" onClick={() => login().catch(setError)}>
          Log in to buy
        </button>
      )}
      {viewer?.isAuthor && (
        <A href={`/products/${encodeURIComponent(product.id)}/edit`} class="button secondary">
          Edit
        </A>
      )}
      {viewer && (viewer.isAuthor || viewer.hasBought) && (
        <button type="button" onClick={download} disabled={busy !== ""}>
          {busy === "download" ? "Preparing download…" : "Download"}
        </button>
      )}
      {viewer && !viewer.isAuthor && !viewer.hasBought && (
        <button type="button" onClick={buy} disabled={busy !== ""}>
          {busy === "buy" ? "Buying…" : `Buy for ${formatPrice(product.price)}`}
        </button>
      )}
      {viewer?.isAuthor && (
        <ConfirmButton
          label="Delete"
          danger
          question="Delete this product? Its links stop working and buyers lose the download."
          onConfirm={async () => {
            unwrap(await api.DELETE("/api/products/{id}", { params: { path: { id: product.id } } }));
            navigate("/my/products");
          }}
        />
      )}
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {error !== undefined && <ErrorMessage error={error} />}
    </div>
  );
}

function SharePanel({ productId, onCreated }: { productId: string; onCreated: () => void }) {
  const [label, setLabel] = useState("");
  const [expires, setExpires] = useState("");
  const [maxDownloads, setMaxDownloads] = useState("");
  const [created, setCreated] = useState<CreatedLink>();
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError("");
    const expiresAt = expires ? new Date(expires) : undefined;
    if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= Date.now())) {
      setError("The expiry must be in the future.");
      return;
    }
    const limit = maxDownloads ? Number(maxDownloads) : undefined;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000)) {
      setError("The download limit must be a whole number from 1 to 1,000,000.");
      return;
    }
    setBusy(true);
    try {
      const link = unwrap(
        await api.POST("/api/links", {
          body: {
            productId,
            label: label.trim() || undefined,
            expiresAt: expiresAt?.toISOString(),
            maxDownloads: limit,
          },
        }),
      );
      setCreated(link);
      setLabel("");
      setExpires("");
      setMaxDownloads("");
      onCreated();
    } catch (caught) {
      setError(describeError(caught));
    }
    setBusy(false);
  };
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
      <form onSubmit={submit} class="inline-form">
        <label>
          <span>
            Label <span class="muted">(optional)</span>
          </span>
          <input value={label} maxLength={100} onInput={(e) => setLabel(e.currentTarget.value)} />
        </label>
        <label>
          <span>
            Expires <span class="muted">(optional)</span>
          </span>
          <input type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
        </label>
        <label>
          <span>
            Download limit <span class="muted">(optional)</span>
          </span>
          <input
            type="number"
            min={1}
            max={1000000}
            step={1}
            value={maxDownloads}
            onInput={(e) => setMaxDownloads(e.currentTarget.value)}
          />
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
