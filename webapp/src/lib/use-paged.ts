import { useState } from "preact/hooks";
import { type Loaded, useLoad } from "./use-load.ts";

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** A cursor-paged list: the first page loads with `keys`; `more()` appends the next. */
export function usePaged<T>(fetchPage: (cursor?: string) => Promise<Page<T>>, keys: unknown[] = []) {
  const [extra, setExtra] = useState<Page<T> | undefined>();
  const [moreError, setMoreError] = useState<unknown>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [first, reload] = useLoad(async () => {
    setExtra(undefined);
    return fetchPage();
  }, keys);
  const loaded: Loaded<Page<T>> =
    first.state === "ready"
      ? {
          state: "ready",
          data: {
            items: [...first.data.items, ...(extra?.items ?? [])],
            nextCursor: extra ? extra.nextCursor : first.data.nextCursor,
          },
        }
      : first;
  const more = async () => {
    if (loaded.state !== "ready" || !loaded.data.nextCursor) return;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const next = await fetchPage(loaded.data.nextCursor);
      setExtra({ items: [...(extra?.items ?? []), ...next.items], nextCursor: next.nextCursor });
    } catch (error) {
      setMoreError(error);
    }
    setLoadingMore(false);
  };
  return { loaded, reload, more, loadingMore, moreError };
}
