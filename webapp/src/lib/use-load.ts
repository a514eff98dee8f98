import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export type Loaded<T> =
  | { state: "loading" }
  | { state: "error"; error: unknown }
  | { state: "ready"; data: T };

/** Runs `load` when `keys` change; answers its state and a reload. Late answers of old keys are dropped. */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): [Loaded<T>, () => void] {
  const [result, setResult] = useState<Loaded<T>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const run = ++latest.current;
    setResult({ state: "loading" });
    load().then(
      (data) => run === latest.current && setResult({ state: "ready", data }),
      (error: unknown) => run === latest.current && setResult({ state: "error", error }),
    );
  }, [...keys, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return [result, reload];
}
