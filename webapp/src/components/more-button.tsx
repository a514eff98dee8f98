import { ErrorMessage } from "./status.tsx";

export function MoreButton(props: {
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  onMore: () => void;
}) {
  return (
    <>
      {props.error !== undefined && <ErrorMessage error={props.error} />}
      {props.hasMore && (
        <p class="center">
          <button type="button" class="secondary" disabled={props.loading} onClick={props.onMore}>
            {props.loading ? "Loading…" : "Load more"}
          </button>
        </p>
      )}
    </>
  );
}
