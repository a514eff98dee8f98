import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { login, loginRecentlyAttempted, session } from "../lib/auth.ts";
import { useStore } from "../lib/store.ts";
import { ErrorMessage, Loading } from "./status.tsx";

/** Pages that need a user: send the visitor to the login and bring them back here afterwards. */
export function RequireLogin({ children }: { children: ComponentChildren }) {
  const current = useStore(session);
  const [error, setError] = useState<unknown>();
  // A login that just came back without a working session must not loop: ask instead.
  const [auto] = useState(() => !loginRecentlyAttempted());
  useEffect(() => {
    if (!current.signedIn && auto) login().catch(setError);
  }, [current.signedIn, auto]);
  if (current.signedIn) return <>{children}</>;
  if (error) return <ErrorMessage error={error} />;
  if (auto) return <Loading what="Taking you to the login page" />;
  return (
    <div class="panel">
      <p>You need to log in to see this page.</p>
      <button type="button" onClick={() => login().catch(setError)}>
        Log in
      </button>
    </div>
  );
}
