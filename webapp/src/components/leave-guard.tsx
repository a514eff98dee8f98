import { useEffect, useRef, useState } from "preact/hooks";
import { setLeaveGuard } from "../lib/router.tsx";
import { Dialog } from "./dialog.tsx";

/**
 * While `active` (an upload running), leaving is asked first: Reload and closing the tab get the
 * browser's own question (beforeunload), in-app links and Back get ours. Leaving calls `onLeave`
 * first, so the work is cancelled rather than finished behind the person's back.
 */
export function useLeaveGuard(active: boolean, onLeave: () => void, what: string) {
  const [answer, setAnswer] = useState<((leave: boolean) => void) | undefined>();
  const leave = useRef(onLeave);
  leave.current = onLeave;
  useEffect(() => {
    if (!active) return;
    const beforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = "";
    };
    addEventListener("beforeunload", beforeUnload);
    setLeaveGuard(() => new Promise<boolean>((resolve) => setAnswer(() => resolve)));
    return () => {
      removeEventListener("beforeunload", beforeUnload);
      setLeaveGuard(undefined);
    };
  }, [active]);
  const close = (leaving: boolean) => {
    if (leaving) leave.current();
    answer?.(leaving);
    setAnswer(undefined);
  };
  return (
    <Dialog
      open={answer !== undefined}
      title="Leave this page?"
      confirmLabel="Leave and cancel the upload"
      cancelLabel="Stay"
      danger
      onConfirm={() => close(true)}
      onCancel={() => close(false)}
    >
      <p>{what} If you leave now, the upload stops and nothing is saved.</p>
    </Dialog>
  );
}
