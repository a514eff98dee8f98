import { useState } from "preact/hooks";
import { api, type CreatedLink, type Link, unwrap } from "../api/client.ts";
import { filterLinks, type LinkFilter, LinkFilters, LinksTable } from "../components/links-table.tsx";
import { MoreButton } from "../components/more-button.tsx";
import { ShownOnce } from "../components/shown-once.tsx";
import { Show } from "../components/status.tsx";
import { useLoad } from "../lib/use-load.ts";
import { usePaged } from "../lib/use-paged.ts";

/** Links buyers made to the caller's products (the caller's own links are in the first table). */
async function loadLinksToMyProducts(): Promise<Link[]> {
  const products = unwrap(await api.GET("/api/me/products", { params: { query: { limit: 50 } } }));
  const pages = await Promise.all(
    products.items.map(async (product) =>
      unwrap(
        await api.GET("/api/products/{id}/links", {
          params: { path: { id: product.id }, query: { limit: 100 } },
        }),
      ),
    ),
  );
  return pages
    .flatMap((page) => page.items)
    .filter((link) => !link.ownedByCaller)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export function MyLinksPage() {
  const own = usePaged(async (cursor) =>
    unwrap(await api.GET("/api/links", { params: { query: { limit: 50, cursor } } })),
  );
  const [others, reloadOthers] = useLoad(loadLinksToMyProducts, []);
  const [rotated, setRotated] = useState<CreatedLink>();
  const [filter, setFilter] = useState<LinkFilter>("active");
  return (
    <>
      <h1>My links</h1>
      <p class="muted">
        Permanent links download a product's file without a login. Create them on a product's page.
      </p>
      <LinkFilters value={filter} onChange={setFilter} label="Show links" />
      {rotated && (
        <ShownOnce
          label="The new link (the old one no longer works)"
          value={rotated.url}
          note="This link is shown only once. Copy it now."
          onDismiss={() => setRotated(undefined)}
        />
      )}
      <section aria-labelledby="own-links">
        <h2 id="own-links">Links you made</h2>
        <Show loaded={own.loaded} reload={own.reload} what="Loading your links">
          {(page) => (
            <>
              <LinksTable
                links={filterLinks(page.items, filter)}
                caption="Your permanent links, newest first"
                showProduct
                onChanged={own.reload}
                onRotated={setRotated}
              />
              <MoreButton list={own} />
            </>
          )}
        </Show>
      </section>
      <section aria-labelledby="others-links">
        <h2 id="others-links">Links buyers made to your products</h2>
        <Show loaded={others} reload={reloadOthers} what="Loading links to your products">
          {(links) => (
            <LinksTable
              links={filterLinks(links, filter)}
              caption="Links to products you sell, made by their buyers"
              showProduct
              onChanged={reloadOthers}
            />
          )}
        </Show>
      </section>
    </>
  );
}
