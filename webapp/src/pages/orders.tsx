import { useState } from "preact/hooks";
import { ApiError, api, describeError, type Order, unwrap } from "../api/client.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { PagedTable } from "../components/paged-table.tsx";
import { downloadProduct } from "../lib/download.ts";
import { formatDate, formatPrice } from "../lib/format.ts";
import { A } from "../lib/router.tsx";
import { type Page, usePaged } from "../lib/use-paged.ts";

function ProductLink({ order, gone }: { order: Order; gone?: boolean }) {
  if (gone) return <span>{order.productTitle}</span>;
  return <A href={`/products/${encodeURIComponent(order.productId)}`}>{order.productTitle}</A>;
}

type MyOrder = Order & { productGone: boolean };

/**
 * The orders of one page, each marked when its product no longer exists: the list answers the
 * title kept at purchase, so whether the product is still there is asked once per product.
 */
async function withProductState(page: Page<Order>): Promise<Page<MyOrder>> {
  const ids = [...new Set(page.items.map((order) => order.productId))];
  const gone = new Set<string>();
  await Promise.all(
    ids.map(async (id) => {
      const { response } = await api.GET("/api/products/{id}", { params: { path: { id } } });
      if (response.status === 404) gone.add(id);
    }),
  );
  return {
    ...page,
    items: page.items.map((order) => ({ ...order, productGone: gone.has(order.productId) })),
  };
}

function orderState(order: MyOrder): { text: string; kind: string } {
  if (order.status === "refunded") {
    return {
      text: `refunded${order.refundedAt ? ` on ${formatDate(order.refundedAt)}` : ""}`,
      kind: "refunded",
    };
  }
  if (order.productGone) return { text: "product deleted by its seller", kind: "deleted" };
  return { text: "yours to download", kind: "active" };
}

function DownloadButton({ order }: { order: MyOrder }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  if (order.status !== "active" || order.productGone) return null;
  return (
    <span class="confirm">
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError("");
          try {
            await downloadProduct(order.productId);
          } catch (caught) {
            setError(
              caught instanceof ApiError && caught.status === 404
                ? "This product no longer exists."
                : describeError(caught),
            );
          }
          setBusy(false);
        }}
      >
        {busy ? "Preparing…" : "Download"}
        <span class="visually-hidden"> {order.productTitle}</span>
      </button>
      {error && (
        <span class="inline-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

export function OrdersPage() {
  const list = usePaged(async (cursor) =>
    withProductState(unwrap(await api.GET("/api/me/orders", { params: { query: { limit: 50, cursor } } }))),
  );
  return (
    <>
      <h1>My orders</h1>
      <PagedTable
        list={list}
        what="Loading your orders"
        empty={
          <>
            You have not bought anything yet. <A href="/">Browse the products</A>.
          </>
        }
        caption="Products you bought, newest first"
        rowKey={(order) => order.id}
        columns={[
          { label: "Product", cell: (order) => <ProductLink order={order} gone={order.productGone} /> },
          { label: "Price", cell: (order) => <span class="price">{formatPrice(order.price)}</span> },
          { label: "Bought", cell: (order) => formatDate(order.createdAt) },
          {
            label: "Status",
            cell: (order) => {
              const state = orderState(order);
              return <span class={`state ${state.kind}`}>{state.text}</span>;
            },
          },
        ]}
        actions={(order) => <DownloadButton order={order} />}
      />
    </>
  );
}

function totalsByCurrency(orders: Order[]): [string, number][] {
  const totals = new Map<string, number>();
  for (const order of orders) {
    if (order.status !== "active") continue;
    totals.set(order.price.currency, (totals.get(order.price.currency) ?? 0) + order.price.amount);
  }
  return [...totals].sort(([a], [b]) => a.localeCompare(b));
}

export function SalesPage() {
  const list = usePaged(async (cursor) =>
    unwrap(await api.GET("/api/me/sales", { params: { query: { limit: 100, cursor } } })),
  );
  return (
    <>
      <h1>Sales</h1>
      <PagedTable
        list={list}
        what="Loading your sales"
        empty="Nobody has bought your products yet."
        above={(page) => (
          <section class="totals" aria-label="Totals">
            {totalsByCurrency(page.items).map(([currency, amount]) => (
              <p key={currency} class="total">
                <span class="muted">Total {currency}</span>
                <span class="price big">{formatPrice({ amount, currency })}</span>
              </p>
            ))}
            <p class="muted small">
              Refunded orders are not counted.
              {page.nextCursor ? " Totals cover the sales loaded below." : ""}
            </p>
          </section>
        )}
        caption="What others bought from you, newest first"
        rowKey={(order) => order.id}
        columns={[
          { label: "Product", cell: (order) => <ProductLink order={order} /> },
          { label: "Buyer", cell: (order) => order.buyer.name },
          { label: "Price", cell: (order) => <span class="price">{formatPrice(order.price)}</span> },
          { label: "Sold", cell: (order) => formatDate(order.createdAt) },
          {
            label: "Status",
            cell: (order) => (
              <span class={`state ${order.status}`}>
                {order.status === "refunded"
                  ? `refunded${order.refundedAt ? ` on ${formatDate(order.refundedAt)}` : ""}`
                  : "paid"}
              </span>
            ),
          },
        ]}
        actions={(order) =>
          order.status === "active" && (
            <ConfirmButton
              label="Refund"
              danger
              question={`Refund ${formatPrice(order.price)}? The buyer loses the download and their links.`}
              onConfirm={async () => {
                unwrap(await api.POST("/api/orders/{id}/refund", { params: { path: { id: order.id } } }));
                list.reload();
              }}
            />
          )
        }
      />
    </>
  );
}
