import { useId, useState } from "preact/hooks";
import { describeError } from "../api/client.ts";

/**
 * A destructive action in two steps: the button asks, then "Yes" runs it. Inline rather than
 * window.confirm so it is styled, keyboard-friendly and testable.
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel?: string;
  onConfirm: () => Promise<void>;
  danger?: boolean;
}) {
  const questionId = useId();
  const [step, setStep] = useState<"idle" | "asking" | "working">("idle");
  const [error, setError] = useState<unknown>();
  if (step === "idle") {
    return (
      <span class="confirm">
        <button type="button" class={props.danger ? "danger" : "secondary"} onClick={() => setStep("asking")}>
          {props.label}
        </button>
        {error !== undefined && (
          <span class="inline-error" role="alert">
            {describeError(error)}
          </span>
        )}
      </span>
    );
  }
  return (
    <span class="confirm">
      <span class="question" id={questionId}>
        {props.question}
      </span>
      <button
        type="button"
        class={props.danger ? "danger" : ""}
        disabled={step === "working"}
        aria-describedby={questionId}
        // biome-ignore lint/a11y/noAutofocus: focus moves to the question the user just asked for
        autoFocus
        onClick={async () => {
          setStep("working");
          setError(undefined);
          try {
            await props.onConfirm();
          } catch (caught) {
            setError(caught);
          }
          setStep("idle");
        }}
      >
        {step === "working" ? "Working…" : (props.confirmLabel ?? `Yes, ${props.label.toLowerCase()}`)}
      </button>
      <button type="button" class="secondary" disabled={step === "working"} onClick={() => setStep("idle")}>
        Cancel
      </button>
    </span>
  );
}
