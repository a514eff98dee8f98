import { useState } from "preact/hooks";
import { describeError } from "../api/client.ts";
import { login, logout, session } from "../lib/auth.ts";
import { A, navigate, useLocation } from "../lib/router.tsx";
import { useStore } from "../lib/store.ts";

const items = [
  { href: "/", label: "Home" },
  { href: "/orders", label: "My orders" },
  { href: "/sales", label: "Sales" },
  { href: "/my/products", label: "My products" },
  { href: "/links", label: "My links" },
  { href: "/keys", label: "API keys" },
  { href: "/products/new", label: "Add product" },
];

export function Nav() {
  const { path } = useLocation();
  const current = useStore(session);
  const [error, setError] = useState<unknown>();
  return (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav aria-label="Main">
        <A href="/" class="brand">
          Evergate
        </A>
        <ul>
          {items.map((item) => (
            <li key={item.href}>
              <A href={item.href} aria-current={path === item.href ? "page" : undefined}>
                {item.label}
              </A>
            </li>
          ))}
        </ul>
        <div class="account">
          {current.signedIn ? (
            <>
              <span class="user" title="Logged in">
                {current.username ?? "…"}
              </span>
              <button
                type="button"
                class="secondary"
                onClick={() => {
                  logout().then(() => navigate("/"), setError);
                }}
              >
                Log out
              </button>
            </>
          ) : (
            <button type="button" onClick={() => login().catch(setError)}>
              Log in
            </button>
          )}
        </div>
      </nav>
      {error !== undefined && (
        <p class="error banner" role="alert">
          {describeError(error)}
        </p>
      )}
    </header>
  );
}
