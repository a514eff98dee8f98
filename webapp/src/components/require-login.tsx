import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { login, session } from "../lib/auth.ts";
import { useStore } from "../lib/store.ts";
import { ErrorMessage } from "./status.tsx";

/** Members' pages: to a visitor, say what the page is and offer to log in (and come back here). */
export function RequireLogin(props: { title: string; about: string; children: ComponentChildren }) {
  const current = useStore(session);
  const [error, setError] = useState<unknown>();
  if (current.signedIn) return <>{props.children}</>;
  return (
    <section class="members-only">
      <h1>{props.title}</h1>
      <div class="panel">
        <p>{props.about}</p>
        <p>Log in to see it. You will come back to this page afterwards.</p>
        <button type="button" onClick={() => login().catch(setError)}>
          Log in
        </button>
        {error !== undefined && <ErrorMessage error={error} />}
      </div>
    </section>
  );
}
