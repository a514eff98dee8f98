/**
 * A value built by an async load (usually an `import()` kept off the cold start) the first time
 * it is asked for, shared by every later and concurrent caller. A failed load is not remembered:
 * the next caller tries again.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
