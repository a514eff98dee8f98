import { Component, type ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { api, unwrap } from "./api/client.ts";
import { Nav } from "./components/nav.tsx";
import { RequireLogin } from "./components/require-login.tsx";
import { ErrorMessage, Missing } from "./components/status.tsx";
import { session, setUser } from "./lib/auth.ts";
import { flash, setTitle } from "./lib/page.ts";
import { useLocation } from "./lib/router.tsx";
import { useStore } from "./lib/store.ts";
import { ApiKeysPage } from "./pages/api-keys.tsx";
import { CallbackPage } from "./pages/callback.tsx";
import { HomePage } from "./pages/home.tsx";
import { LinkDetailPage, ProductStatsPage } from "./pages/link-detail.tsx";
import { MyLinksPage } from "./pages/my-links.tsx";
import { MyProductsPage } from "./pages/my-products.tsx";
import { OrdersPage, SalesPage } from "./pages/orders.tsx";
import { ProductPage } from "./pages/product.tsx";
import { AddProductPage, EditProductPage } from "./pages/product-editor.tsx";
import { WebhooksPage } from "./pages/webhooks.tsx";

interface Route {
  pattern: RegExp;
  title: string;
  /** Members' pages: what the page is, said to a visitor who is not logged in. */
  about?: string;
  render: (match: string[], search: string) => ComponentChildren;
}

const productId = "([0-9A-Za-z]{1,64})";
const routes: Route[] = [
  { pattern: /^\/$/, title: "Home", render: () => <HomePage /> },
  { pattern: /^\/callback$/, title: "Logging in", render: (_, search) => <CallbackPage search={search} /> },
  {
    pattern: /^\/products\/new$/,
    title: "Add product",
    about:
      "Here you add a product to sell: a title, a text, a price, a promo image and the file buyers download.",
    render: () => <AddProductPage />,
  },
  {
    pattern: new RegExp(`^/products/${productId}/edit$`),
    title: "Edit product",
    about: "Here the author of a product changes its text, price, image or file.",
    render: ([, id]) => <EditProductPage id={id as string} />,
  },
  {
    pattern: new RegExp(`^/products/${productId}$`),
    title: "Product",
    render: ([, id]) => <ProductPage id={id as string} />,
  },
  {
    pattern: /^\/orders$/,
    title: "My orders",
    about: "My orders lists the products you bought, each with its download.",
    render: () => <OrdersPage />,
  },
  {
    pattern: /^\/sales$/,
    title: "Sales",
    about: "Sales lists what others bought from you, with totals and refunds.",
    render: () => <SalesPage />,
  },
  {
    pattern: /^\/my\/products$/,
    title: "My products",
    about: "My products lists the products you sell, to view and edit them.",
    render: () => <MyProductsPage />,
  },
  {
    pattern: new RegExp(`^/products/${productId}/stats$`),
    title: "Product downloads",
    about: "Here the seller of a product sees its downloads over time, devices, countries and clients.",
    render: ([, id]) => <ProductStatsPage id={id as string} />,
  },
  {
    pattern: /^\/links\/([A-Za-z0-9_-]{43})$/,
    title: "Link",
    about: "Here a link's maker, or its product's seller, sees its downloads, refusals and devices.",
    render: ([, id]) => <LinkDetailPage id={id as string} />,
  },
  {
    pattern: /^\/links$/,
    title: "My links",
    about: "My links lists the permanent download links you made, and those buyers made to your products.",
    render: () => <MyLinksPage />,
  },
  {
    pattern: /^\/keys$/,
    title: "API keys",
    about: "API keys let your own programs use Evergate on your behalf, with the permissions you choose.",
    render: () => <ApiKeysPage />,
  },
  {
    pattern: /^\/webhooks$/,
    title: "Webhooks",
    about:
      "Webhooks tell your own server, with a signed message, when your links, orders or products change.",
    render: () => <WebhooksPage />,
  },
];

/** Whatever a page throws while rendering becomes a message, never a blank page. */
class ErrorBoundary extends Component<
  { children: ComponentChildren; resetKey: string },
  { error?: unknown }
> {
  override state: { error?: unknown } = {};
  override componentDidCatch(error: unknown) {
    this.setState({ error });
  }
  override componentDidUpdate(previous: { resetKey: string }) {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }
  override render() {
    return this.state.error ? <ErrorMessage error={this.state.error} /> : this.props.children;
  }
}

function NotFound() {
  return (
    <Missing title="Page not found">
      There is nothing at this address. It may have moved, or the link may be mistyped.
    </Missing>
  );
}

/** "Added" / "Saved" after a navigation: shown on the page it names, dropped on leaving it. */
function Flash({ path }: { path: string }) {
  const shown = useStore(flash);
  useEffect(() => {
    if (shown && shown.path !== path) flash.set(undefined);
  }, [path, shown]);
  if (!shown || shown.path !== path) return null;
  return (
    <p class="notice flash" role="status">
      {shown.message}
    </p>
  );
}

export function App() {
  const { path, search } = useLocation();
  const current = useStore(session);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  let route: Route | undefined;
  let match: string[] = [];
  for (const candidate of routes) {
    const found = candidate.pattern.exec(path);
    if (found) {
      route = candidate;
      match = [...found];
      break;
    }
  }

  useEffect(() => {
    setTitle(route?.title ?? "Page not found");
    // Screen readers and keyboards start at the new page's content after an in-app navigation.
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [path, route?.title]);

  const needsUser = current.signedIn && !(current.username && current.userId);
  useEffect(() => {
    if (!needsUser) return;
    api
      .GET("/api/me")
      .then(unwrap)
      .then((me) => setUser({ id: me.id, username: me.username ?? me.id }))
      .catch(() => undefined);
  }, [needsUser]);

  const page = route ? route.render(match, search) : <NotFound />;
  return (
    <>
      <Nav />
      <main id="main" ref={main} tabIndex={-1}>
        <Flash path={path} />
        <ErrorBoundary resetKey={path}>
          {route?.about ? (
            <RequireLogin title={route.title} about={route.about}>
              {page}
            </RequireLogin>
          ) : (
            page
          )}
        </ErrorBoundary>
      </main>
    </>
  );
}
