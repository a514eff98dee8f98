import { api, unwrap } from "../api/client.ts";
import { MoreButton } from "../components/more-button.tsx";
import { ProductCard } from "../components/product-card.tsx";
import { Show } from "../components/status.tsx";
import { usePaged } from "../lib/use-paged.ts";

const PAGE_SIZE = 12;

export function HomePage() {
  const list = usePaged(async (cursor) =>
    unwrap(await api.GET("/api/products", { params: { query: { limit: PAGE_SIZE, cursor } } })),
  );
  return (
    <>
      <h1>Recently added</h1>
      <Show loaded={list.loaded} reload={list.reload} what="Loading products">
        {(page) => (
          <>
            {page.items.length === 0 ? (
              <p class="empty">No products yet. Be the first to add one.</p>
            ) : (
              <ul class="grid">
                {page.items.map((product) => (
                  <ProductCard key={product.id} product={product} />
                ))}
              </ul>
            )}
            <MoreButton list={list} />
          </>
        )}
      </Show>
    </>
  );
}
