import { useEffect, useState } from "preact/hooks";
import { ErrorMessage, Loading } from "../components/status.tsx";
import { completeLogin, login } from "../lib/auth.ts";
import { navigate } from "../lib/router.tsx";

export function CallbackPage({ search }: { search: string }) {
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    completeLogin(search).then((returnTo) => navigate(returnTo, { replace: true }), setError);
  }, [search]);
  if (!error) return <Loading what="Logging you in" />;
  return (
    <>
      <h1>Login did not complete</h1>
      <ErrorMessage error={error} />
      <button type="button" onClick={() => login("/").catch(setError)}>
        Log in again
      </button>
    </>
  );
}
