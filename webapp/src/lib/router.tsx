import type { ComponentChildren } from "preact";
import { createStore, useStore } from "./store.ts";

/** Client-side routing on the history API: the location is a store; in-app links push onto it. */
export const location$ = createStore({ path: location.pathname, search: location.search });

/**
 * Work that leaving the page would lose (an upload in progress) registers a guard: it answers
 * whether to leave, asking the person first. One guard at a time: only one form uploads.
 */
type LeaveGuard = () => Promise<boolean>;
let guard: LeaveGuard | undefined;

export function setLeaveGuard(next: LeaveGuard | undefined): void {
  guard = next;
}

function sync(): void {
  location$.set({ path: location.pathname, search: location.search });
}

function go(to: string, replace: boolean): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  sync();
  scrollTo(0, 0);
}

export function navigate(to: string, options: { replace?: boolean; force?: boolean } = {}): void {
  const asking = guard;
  if (!asking || options.force) {
    go(to, options.replace ?? false);
    return;
  }
  void asking().then((leave) => {
    if (leave) go(to, options.replace ?? false);
  });
}

/** Paths the server answers itself (API, permanent links): a click on them leaves the SPA. */
function isServerPath(path: string): boolean {
  return path.startsWith("/api/") || path.startsWith("/l/");
}

addEventListener("popstate", () => {
  const asking = guard;
  if (!asking) {
    sync();
    return;
  }
  // Back or Forward already moved the address: put the guarded page back, then ask.
  const target = location.pathname + location.search + location.hash;
  const here = location$.get();
  history.pushState(null, "", here.path + here.search);
  void asking().then((leave) => {
    if (leave) go(target, false);
  });
});

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
  title?: string;
}) {
  return <a {...props} />;
}
