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
  /** Explains the button on hover and keyboard focus (and to screen readers). */
  tooltip?: string;
}) {
  const questionId = useId();
  const tipId = useId();
  const [step, setStep] = useState<"idle" | "asking" | "working">("idle");
  const [error, setError] = useState<unknown>();
  if (step === "idle") {
    return (
      <span class={props.tooltip ? "confirm has-tip" : "confirm"}>
        <button
          type="button"
          class={props.danger ? "danger" : "secondary"}
          aria-describedby={props.tooltip ? tipId : undefined}
          onClick={() => setStep("asking")}
        >
          {props.label}
        </button>
        {props.tooltip && (
          <span class="tip" role="tooltip" id={tipId}>
            {props.tooltip}
          </span>
        )}
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
