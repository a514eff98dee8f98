import { useEffect } from "preact/hooks";
import { createStore } from "./store.ts";

/** Each page names itself in the tab: "Field guide · Evergate", not "Product · Evergate". */
export function setTitle(title: string): void {
  document.title = `${title} · Evergate`;
}

export function useTitle(title: string | undefined): void {
  useEffect(() => {
    if (title) setTitle(title);
  }, [title]);
}

/** A confirmation that outlives a navigation ("Added", "Saved"): shown on the page it names. */
export const flash = createStore<{ message: string; path: string } | undefined>(undefined);
