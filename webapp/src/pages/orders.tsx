import { api, type Order, unwrap } from "../api/client.ts";
import { ConfirmButton } from "../components/confirm-button.tsx";
import { MoreButton } from "../components/more-button.tsx";
import { Show } from "../components/status.tsx";
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
      <Show loaded={list.loaded} reload={list.reload} what="Loading your orders">
        {(page) =>
          page.items.length === 0 ? (
            <p class="empty">
              You have not bought anything yet. <A href="/">Browse the products</A>.
            </p>
          ) : (
            <>
              <div class="table-wrap">
                <table>
                  <caption>Products you bought, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Product</th>
                      <th scope="col">Price</th>
                      <th scope="col">Bought</th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((order) => (
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
                    ))}
                  </tbody>
                </table>
              </div>
              <MoreButton list={list} />
            </>
          )
        }
      </Show>
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
      <Show loaded={list.loaded} reload={list.reload} what="Loading your sales">
        {(page) =>
          page.items.length === 0 ? (
            <p class="empty">Nobody has bought your products yet.</p>
          ) : (
            <>
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
              <div class="table-wrap">
                <table>
                  <caption>What others bought from you, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Product</th>
                      <th scope="col">Buyer</th>
                      <th scope="col">Price</th>
                      <th scope="col">Sold</th>
                      <th scope="col">Status</th>
                      <th scope="col">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((order) => (
                      <tr key={order.id}>
                        <td>
                          <ProductLink order={order} />
                        </td>
                        <td>{order.buyer.name}</td>
                        <td>{formatPrice(order.price)}</td>
                        <td>{formatDate(order.createdAt)}</td>
                        <td>
                          <span class={`badge ${order.status}`}>{order.status}</span>
                          {order.refundedAt && (
                            <span class="muted small"> {formatDate(order.refundedAt)}</span>
                          )}
                        </td>
                        <td class="actions">
                          {order.status === "active" && (
                            <ConfirmButton
                              label="Refund"
                              danger
                              question={`Refund ${formatPrice(order.price)}? The buyer loses the download and their links.`}
                              onConfirm={async () => {
                                unwrap(
                                  await api.POST("/api/orders/{id}/refund", {
                                    params: { path: { id: order.id } },
                                  }),
                                );
                                list.reload();
                              }}
                            />
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <MoreButton list={list} />
            </>
          )
        }
      </Show>
    </>
  );
}
