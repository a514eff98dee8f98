import { api, type Order, unwrap } from "../api/client.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { PagedTable } from "../components/paged-table.tsx";
import { formatDate, formatPrice } from "../lib/format.ts";
import { A } from "../lib/router.tsx";
import { usePaged } from "../lib/use-paged.ts";

function ProductLink({ order }: { order: Order }) {
  return <A href={`/products/${encodeURIComponent(order.productId)}`}>{order.productTitle}</A>;
}

export function OrdersPage() {
  const list = usePaged(async (cursor) =>
    unwrap(await api.GET("/api/me/orders", { params: { query: { limit: 50, cursor } } })),
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
        columns={["Product", "Price", "Bought", "Status"]}
        row={(order) => (
          <tr key={order.id}>
            <td>
              <ProductLink order={order} />
            </td>
            <td>{formatPrice(order.price)}</td>
            <td>{formatDate(order.createdAt)}</td>
            <td>
              <span class={`badge ${order.status}`}>{order.status}</span>
            </td>
          </tr>
        )}
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
        columns={["Product", "Buyer", "Price", "Sold", "Status"]}
        actions
        row={(order) => (
          <tr key={order.id}>
            <td>
              <ProductLink order={order} />
            </td>
            <td>{order.buyer.name}</td>
            <td>{formatPrice(order.price)}</td>
            <td>{formatDate(order.createdAt)}</td>
            <td>
              <span class={`badge ${order.status}`}>{order.status}</span>
              {order.refundedAt && <span class="muted small"> {formatDate(order.refundedAt)}</span>}
            </td>
            <td class="actions">
              {order.status === "active" && (
                <ConfirmButton
                  label="Refund"
                  danger
                  question={`Refund ${formatPrice(order.price)}? The buyer loses the download and their links.`}
                  onConfirm={async () => {
                    unwrap(await api.POST("/api/orders/{id}/refund", { params: { path: { id: order.id } } }));
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
