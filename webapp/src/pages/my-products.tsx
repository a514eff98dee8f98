import { api, unwrap } from "../api/client.ts";
import { MoreButton } from "../components/more-button.tsx";
import { Show } from "../components/status.tsx";
import { formatDate, formatPrice } from "../lib/format.ts";
import { A } from "../lib/router.tsx";
import { usePaged } from "../lib/use-paged.ts";

export function MyProductsPage() {
  const list = usePaged(async (cursor) =>
    unwrap(await api.GET("/api/me/products", { params: { query: { limit: 50, cursor } } })),
  );
  return (
    <>
      <div class="page-head">
        <h1>My products</h1>
        <A href="/products/new" class="button">
          Add product
        </A>
      </div>
      <Show loaded={list.loaded} reload={list.reload} what="Loading your products">
        {(page) =>
          page.items.length === 0 ? (
            <p class="empty">You have not added any products yet.</p>
          ) : (
            <>
              <ul class="rows">
                {page.items.map((product) => (
                  <li key={product.id} class="row">
                    <img src={product.imageUrl} alt="" width={96} height={54} loading="lazy" />
                    <span class="row-main">
                      <A href={`/products/${encodeURIComponent(product.id)}`}>{product.title}</A>
                      <span class="muted small">
                        {product.deliverable.filename} · updated {formatDate(product.updatedAt)}
                      </span>
                    </span>
                    <span class="price">{formatPrice(product.price)}</span>
                    <A href={`/products/${encodeURIComponent(product.id)}/edit`} class="button secondary">
                      Edit<span class="visually-hidden"> {product.title}</span>
                    </A>
                    <A href={`/products/${encodeURIComponent(product.id)}/stats`} class="button secondary">
                      Downloads<span class="visually-hidden"> of {product.title}</span>
                    </A>
                  </li>
                ))}
              </ul>
              <MoreButton list={list} />
            </>
          )
        }
      </Show>
    </>
  );
}
