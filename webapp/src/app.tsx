import { Component, type ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { api, unwrap } from "./api/client.ts";
import { Nav } from "./components/nav.tsx";
import { RequireLogin } from "./components/require-login.tsx";
import { ErrorMessage } from "./components/status.tsx";
import { session, setUsername } from "./lib/auth.ts";
import { A, useLocation } from "./lib/router.tsx";
import { useStore } from "./lib/store.ts";
import { ApiKeysPage } from "./pages/api-keys.tsx";
import { CallbackPage } from "./pages/callback.tsx";
import { HomePage } from "./pages/home.tsx";
import { MyLinksPage } from "./pages/my-links.tsx";
import { MyProductsPage } from "./pages/my-products.tsx";
import { OrdersPage, SalesPage } from "./pages/orders.tsx";
import { ProductPage } from "./pages/product.tsx";
import { AddProductPage, EditProductPage } from "./pages/product-editor.tsx";

interface Route {
  pattern: RegExp;
  title: string;
  needsLogin?: boolean;
  render: (match: string[], search: string) => ComponentChildren;
}

const productId = "([0-9A-Za-z]{1,64})";
const routes: Route[] = [
  { pattern: /^\/$/, title: "Home", render: () => <HomePage /> },
  { pattern: /^\/callback$/, title: "Logging in", render: (_, search) => <CallbackPage search={search} /> },
  { pattern: /^\/products\/new$/, title: "Add product", needsLogin: true, render: () => <AddProductPage /> },
  {
    pattern: new RegExp(`^/products/${productId}/edit$`),
    title: "Edit product",
    needsLogin: true,
    render: ([, id]) => <EditProductPage id={id as string} />,
  },
  {
    pattern: new RegExp(`^/products/${productId}$`),
    title: "Product",
    render: ([, id]) => <ProductPage id={id as string} />,
  },
  { pattern: /^\/orders$/, title: "My orders", needsLogin: true, render: () => <OrdersPage /> },
  { pattern: /^\/sales$/, title: "Sales", needsLogin: true, render: () => <SalesPage /> },
  { pattern: /^\/my\/products$/, title: "My products", needsLogin: true, render: () => <MyProductsPage /> },
  { pattern: /^\/links$/, title: "My links", needsLogin: true, render: () => <MyLinksPage /> },
  { pattern: /^\/keys$/, title: "API keys", needsLogin: true, render: () => <ApiKeysPage /> },
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
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <A href="/">Go to the home page</A>.
      </p>
    </>
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
    document.title = `${route?.title ?? "Not found"} · Evergate`;
    // Screen readers and keyboards start at the new page's content after an in-app navigation.
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [path, route?.title]);

  const needsUsername = current.signedIn && !current.username;
  useEffect(() => {
    if (!needsUsername) return;
    api
      .GET("/api/me")
      .then(unwrap)
      .then((me) => setUsername(me.username))
      .catch(() => undefined);
  }, [needsUsername]);

  const page = route ? route.render(match, search) : <NotFound />;
  return (
    <>
      <Nav />
      <main id="main" ref={main} tabIndex={-1}>
        <ErrorBoundary resetKey={path}>
          {route?.needsLogin ? <RequireLogin>{page}</RequireLogin> : page}
        </ErrorBoundary>
      </main>
    </>
  );
}
