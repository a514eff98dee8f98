import type { usePaged } from "../lib/use-paged.ts";
import { ErrorMessage } from "./status.tsx";

/** "Load more" under a cursor-paged list, with the error of the last attempt. */
export function MoreButton({
  list,
}: {
  list: Pick<ReturnType<typeof usePaged>, "loaded" | "loadingMore" | "moreError" | "more">;
}) {
  const hasMore = list.loaded.state === "ready" && Boolean(list.loaded.data.nextCursor);
  return (
    <>
      {list.moreError !== undefined && <ErrorMessage error={list.moreError} />}
      {hasMore && (
        <p class="center">
          <button type="button" class="secondary" disabled={list.loadingMore} onClick={list.more}>
            {list.loadingMore ? "Loading…" : "Load more"}
          </button>
        </p>
      )}
    </>
  );
}
