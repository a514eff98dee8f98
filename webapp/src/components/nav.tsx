import { useEffect, useState } from "preact/hooks";
import { describeError } from "../api/client.ts";
import { login, logout, session } from "../lib/auth.ts";
import { A, navigate, useLocation } from "../lib/router.tsx";
import { useStore } from "../lib/store.ts";

const items = [
  { href: "/", label: "Home" },
  { href: "/orders", label: "My orders", member: true },
  { href: "/sales", label: "Sales", member: true },
  { href: "/my/products", label: "My products", member: true },
  { href: "/links", label: "My links", member: true },
  { href: "/keys", label: "API keys", member: true },
  { href: "/webhooks", label: "Webhooks", member: true },
  { href: "/products/new", label: "Add product", member: true },
];

/** The top bar: members' pages only after login; on a phone the links fold into a Menu button. */
export function Nav() {
  const { path } = useLocation();
  const current = useStore(session);
  const [error, setError] = useState<unknown>();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);
  const shown = items.filter((item) => !item.member || current.signedIn);
  return (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav aria-label="Main" class={open ? "open" : undefined}>
        <A href="/" class="brand">
          Evergate
        </A>
        <button
          type="button"
          class="menu-button secondary"
          aria-expanded={open}
          aria-controls="nav-items"
          onClick={() => setOpen(!open)}
        >
          Menu
        </button>
        <ul id="nav-items">
          {shown.map((item) => (
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
                  logout().then(() => navigate("/", { force: true }), setError);
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
