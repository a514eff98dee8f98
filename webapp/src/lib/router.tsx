import type { ComponentChildren } from "preact";
import { createStore, useStore } from "./store.ts";

/** Client-side routing on the history API: the location is a store; in-app links push onto it. */
export const location$ = createStore({ path: location.pathname, search: location.search });

function sync(): void {
  location$.set({ path: location.pathname, search: location.search });
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  sync();
  scrollTo(0, 0);
}

/** Paths the server answers itself (API, permanent links): a click on them leaves the SPA. */
function isServerPath(path: string): boolean {
  return path.startsWith("/api/") || path.startsWith("/l/");
}

addEventListener("popstate", sync);

// One listener for every same-origin link: a plain click navigates in the app; new-tab clicks,
// downloads and other origins keep the browser's behaviour.
document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || isServerPath(url.pathname)) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

export function useLocation() {
  return useStore(location$);
}

/** An in-app link (the document listener above routes it). */
export function A(props: {
  href: string;
  class?: string;
  children: ComponentChildren;
  "aria-current"?: "page";
}) {
  return <a {...props} />;
}
