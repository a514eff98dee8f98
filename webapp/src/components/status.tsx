import type { ComponentChildren } from "preact";
import { describeError, isNotFound, isRetryable } from "../api/client.ts";
import { A } from "../lib/router.tsx";
import type { Loaded } from "../lib/use-load.ts";

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {what}…
    </p>
  );
}

/** The error in words; "Try again" only where trying again can help, otherwise a way home. */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const retry = onRetry && isRetryable(error);
  return (
    <div class="error" role="alert">
      <p>{describeError(error)}</p>
      {retry ? (
        <button type="button" class="secondary" onClick={onRetry}>
          Try again
        </button>
      ) : (
        onRetry && (
          <p>
            <A href="/">Go to the home page</A>
          </p>
        )
      )}
    </div>
  );
}

/** A page for "not here": what it was, and where to go instead. */
export function Missing(props: { title: string; children: ComponentChildren }) {
  return (
    <section class="missing">
      <h1>{props.title}</h1>
      <p>{props.children}</p>
      <p>
        <A href="/" class="button">
          Go to the home page
        </A>
      </p>
    </section>
  );
}

/** Loading → error (with retry where it helps) → the children rendered from the data. */
export function Show<T>(props: {
  loaded: Loaded<T>;
  reload?: () => void;
  what?: string;
  /** Shown instead of the error when the thing is not there (404). */
  missing?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}) {
  const { loaded } = props;
  if (loaded.state === "loading") return <Loading what={props.what} />;
  if (loaded.state === "error") {
    if (props.missing && isNotFound(loaded.error)) return <>{props.missing}</>;
    return <ErrorMessage error={loaded.error} onRetry={props.reload} />;
  }
  return <>{props.children(loaded.data)}</>;
}
