import type { ComponentChildren } from "preact";
import { describeError } from "../api/client.ts";
import type { Loaded } from "../lib/use-load.ts";

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {what}…
    </p>
  );
}

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div class="error" role="alert">
      <p>{describeError(error)}</p>
      {onRetry && (
        <button type="button" class="secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Loading → error (with retry) → the children rendered from the data. */
export function Show<T>(props: {
  loaded: Loaded<T>;
  reload?: () => void;
  what?: string;
  children: (data: T) => ComponentChildren;
}) {
  const { loaded } = props;
  if (loaded.state === "loading") return <Loading what={props.what} />;
  if (loaded.state === "error") return <ErrorMessage error={loaded.error} onRetry={props.reload} />;
  return <>{props.children(loaded.data)}</>;
}
