import { useId, useRef, useState } from "preact/hooks";

/** A secret (link URL, API key) the server shows only once: readonly field, copy button, warning. */
export function ShownOnce(props: { label: string; value: string; note: string; onDismiss?: () => void }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"" | "copied" | "failed">("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied("copied");
    } catch {
      input.current?.select();
      setCopied("failed");
    }
  };
  return (
    <section class="shown-once">
      <label htmlFor={id}>{props.label}</label>
      <span class="copy-row">
        <input
          id={id}
          ref={input}
          readOnly
          value={props.value}
          class="mono"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
      </span>
      <p class="note" role="status">
        {copied === "copied" && "Copied to the clipboard. "}
        {copied === "failed" && "Could not copy automatically: the text is selected, press Ctrl+C. "}
        <strong>{props.note}</strong>
      </p>
      {props.onDismiss && (
        <button type="button" class="secondary" onClick={props.onDismiss}>
          Done
        </button>
      )}
    </section>
  );
}
