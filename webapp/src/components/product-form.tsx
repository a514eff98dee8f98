import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, describeError, type ProductDetail, unwrap } from "../api/client.ts";
import type { PublicConfig } from "../lib/config.ts";
import { formatBytes, minorToInput } from "../lib/format.ts";
import { checkImage } from "../lib/image-check.ts";
import { checkPrice } from "../lib/price.ts";
import { A } from "../lib/router.tsx";
import { putFile, UploadRefusedError } from "../lib/upload.ts";
import { useLeaveGuard } from "./leave-guard.tsx";

type Kind = "promoImage" | "deliverable";

interface FileState {
  file?: File;
  /** The type to announce: for an image, the one its bytes show. */
  contentType?: string;
  /** A picked image that passed the checks: its preview and size in pixels. */
  preview?: { url: string; width: number; height: number };
  /** Set once the bytes are in S3: a retry after a later failure does not upload them again. */
  uploadId?: string;
  progress?: number;
}

export interface ProductFields {
  title: string;
  description: string;
  price: { amount: number; currency: string };
  imageUploadId?: string;
  deliverableUploadId?: string;
  /** The device limit for buyers' links; null: none (an edit removes it). */
  defaultMaxClients: number | null;
}

export const TITLE_MAX = 120;
/** The API's largest device limit (src/domain/link.ts MAX_CLIENTS). */
const MAX_DEVICE_LIMIT = 20;
export const DESCRIPTION_MAX = 5000;
const currencies = ["USD", "EUR", "GBP", "CHF", "SEK", "JPY", "CAD", "AUD"];
const mimePattern = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;
const fileNames: Record<Kind, string> = { promoImage: "promo image", deliverable: "file to sell" };

function typeLabel(type: string): string {
  return type.replace(/^image\//, "").toUpperCase();
}

function deliverableProblem(file: File, config: PublicConfig): string | undefined {
  if (file.size === 0) return "This file is empty.";
  if (file.size > config.maxDeliverableBytes) {
    return `This file is ${formatBytes(file.size)}; the limit is ${formatBytes(config.maxDeliverableBytes)}.`;
  }
  return undefined;
}

function deliverableType(file: File): string {
  return mimePattern.test(file.type) && file.type.length <= 100 ? file.type : "application/octet-stream";
}

/** A 4xx from our API or from storage: the same file would be refused again. */
function isRefusal(error: unknown): boolean {
  return error instanceof UploadRefusedError || (error instanceof ApiError && error.status < 500);
}

export function ProductForm(props: {
  config: PublicConfig;
  initial?: ProductDetail;
  submitLabel: string;
  /** Where Cancel goes. */
  cancelHref: string;
  onSave: (fields: ProductFields) => Promise<void>;
  onReload?: () => void;
}) {
  const { config, initial } = props;
  const editing = initial !== undefined;
  const [title, setTitle] = useState(initial?.title ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [currency, setCurrency] = useState(initial?.price.currency ?? "USD");
  const [price, setPrice] = useState(initial ? minorToInput(initial.price) : "");
  const [deviceLimit, setDeviceLimit] = useState(initial?.defaultMaxClients?.toString() ?? "");
  const [files, setFiles] = useState<Record<Kind, FileState>>({ promoImage: {}, deliverable: {} });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [phase, setPhase] = useState<"editing" | "checking" | "uploading" | "saving" | "failed">("editing");
  const [failure, setFailure] = useState<{ message: string; conflict: boolean }>();
  const uploads = useRef<AbortController | undefined>(undefined);

  const busy = phase === "uploading" || phase === "saving";
  const cancelUploads = () => uploads.current?.abort();
  // Leaving the page never finishes the work in the background.
  useEffect(() => cancelUploads, []);
  const leaveDialog = useLeaveGuard(busy, cancelUploads, "Your files are still uploading.");

  const updateFile = (kind: Kind, change: FileState | ((previous: FileState) => FileState)) =>
    setFiles((previous) => ({
      ...previous,
      [kind]: typeof change === "function" ? change(previous[kind]) : change,
    }));
  const setError = (name: string, message: string | undefined) =>
    setErrors(({ [name]: _, ...rest }) => (message ? { ...rest, [name]: message } : rest));

  const pick = async (kind: Kind, input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) {
      updateFile(kind, {});
      return setError(kind, undefined);
    }
    let problem: string | undefined;
    let state: FileState = { file, contentType: deliverableType(file) };
    if (kind === "promoImage") {
      setPhase("checking");
      const checked = await checkImage(file, config.maxImageBytes, config.imageContentTypes);
      setPhase("editing");
      if (checked.ok) {
        state = {
          file,
          contentType: checked.contentType,
          preview: { url: checked.preview, width: checked.width, height: checked.height },
        };
      } else problem = checked.error;
    } else problem = deliverableProblem(file, config);
    if (problem) {
      // A refused file is not kept: nothing can send it later, not even Retry.
      input.value = "";
      updateFile(kind, {});
    } else updateFile(kind, state);
    setError(kind, problem);
  };

  const validate = (): Record<string, string> => {
    const found: Record<string, string> = { ...errors };
    const trimmed = title.trim();
    if (!trimmed) found.title = "Enter a title.";
    else if (trimmed.length > TITLE_MAX) {
      found.title = `The title is ${trimmed.length} characters; shorten it to ${TITLE_MAX} or fewer.`;
    } else delete found.title;
    if (!description.trim()) found.description = "Enter a text that says what the buyer gets.";
    else if (description.length > DESCRIPTION_MAX) {
      found.description = `The text is ${description.length} characters; shorten it to ${DESCRIPTION_MAX} or fewer.`;
    } else delete found.description;
    const checked = checkPrice(price, currency);
    if ("error" in checked) found.price = checked.error;
    else delete found.price;
    const limit = deviceLimit.trim() === "" ? undefined : Number(deviceLimit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= MAX_DEVICE_LIMIT))
      found.defaultMaxClients = `A whole number from 1 to ${MAX_DEVICE_LIMIT}, or empty for no limit.`;
    else delete found.defaultMaxClients;
    for (const kind of ["promoImage", "deliverable"] as const) {
      // A file still held passed its checks (refused ones are dropped); a stopped upload may go again.
      if (files[kind].file) delete found[kind];
      else if (!found[kind] && !editing) found[kind] = `Choose a ${fileNames[kind]}.`;
    }
    return found;
  };

  const upload = async (kind: Kind, signal: AbortSignal): Promise<string | undefined> => {
    const state = files[kind];
    if (!state.file) return undefined;
    if (state.uploadId) return state.uploadId;
    const { file, contentType = "application/octet-stream" } = state;
    updateFile(kind, (previous) => ({ ...previous, progress: 0 }));
    try {
      const ticket = unwrap(
        await api.POST("/api/uploads", {
          body: { kind, contentType, size: file.size, filename: file.name.slice(0, 200) || "file" },
          signal,
        }),
      );
      await putFile(
        ticket,
        file,
        (progress) => updateFile(kind, (previous) => ({ ...previous, progress })),
        signal,
      );
      updateFile(kind, (previous) => ({ ...previous, progress: 1, uploadId: ticket.uploadId }));
      return ticket.uploadId;
    } catch (caught) {
      if (isRefusal(caught)) {
        updateFile(kind, {});
        const input = document.getElementById(`field-${kind}`);
        if (input instanceof HTMLInputElement) input.value = "";
      } else updateFile(kind, (previous) => ({ ...previous, progress: undefined }));
      if (!signal.aborted) {
        setError(
          kind,
          isRefusal(caught)
            ? `${describeError(caught)} Choose another file.`
            : `The upload stopped: ${describeError(caught)}`,
        );
      }
      throw caught;
    }
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (phase === "checking") return;
    const found = validate();
    setErrors(found);
    setFailure(undefined);
    if (Object.keys(found).length > 0) {
      document.getElementById(`field-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    const controller = new AbortController();
    uploads.current = controller;
    setPhase("uploading");
    let imageUploadId: string | undefined;
    let deliverableUploadId: string | undefined;
    try {
      [imageUploadId, deliverableUploadId] = await Promise.all([
        upload("promoImage", controller.signal),
        upload("deliverable", controller.signal),
      ]);
    } catch {
      controller.abort();
      if (uploads.current !== controller) return;
      setFailure({
        message: "An upload did not finish; see the message next to the file. Everything you typed is kept.",
        conflict: false,
      });
      setPhase("failed");
      return;
    }
    if (controller.signal.aborted) return;
    setPhase("saving");
    try {
      await props.onSave({
        title: title.trim(),
        description,
        price: { amount: (checkPrice(price, currency) as { amount: number }).amount, currency },
        imageUploadId,
        deliverableUploadId,
        defaultMaxClients: deviceLimit.trim() === "" ? null : Number(deviceLimit),
      });
    } catch (caught) {
      const conflict = caught instanceof ApiError && caught.status === 409;
      if (caught instanceof ApiError && caught.code === "upload_invalid") {
        // The server refused a file after checking it: it is dropped, so Retry cannot send it again.
        setFiles({ promoImage: {}, deliverable: {} });
      }
      setFailure({
        message: conflict
          ? "Someone changed this product after you opened it, so your changes were not saved. Reload to see the current version, then make your changes again."
          : describeError(caught),
        conflict,
      });
      setPhase("failed");
    }
  };

  const cancel = () => {
    cancelUploads();
    uploads.current = undefined;
    setFiles((previous) => ({
      promoImage: { ...previous.promoImage, progress: undefined },
      deliverable: { ...previous.deliverable, progress: undefined },
    }));
    setFailure({
      message: "Upload cancelled. Nothing was saved; your form is as you left it.",
      conflict: false,
    });
    setPhase("editing");
  };

  const fieldError = (name: string) =>
    errors[name] ? (
      <span class="field-error" id={`error-${name}`} role="alert">
        {errors[name]}
      </span>
    ) : null;
  const describedBy = (name: string, hint?: string) =>
    [errors[name] ? `error-${name}` : "", hint ?? ""].filter(Boolean).join(" ") || undefined;

  const fileField = (kind: Kind, label: string, accept: string | undefined, hint: string) => {
    const state = files[kind];
    return (
      <div class="field">
        <label htmlFor={`field-${kind}`}>{label}</label>
        {kind === "promoImage" && (state.preview || initial) && (
          <figure class="image-preview">
            <img
              src={state.preview?.url ?? initial?.imageUrl}
              alt={state.preview ? "Preview of the chosen image" : "The current promo image"}
              width={160}
              height={90}
            />
            <figcaption class="muted small">
              {state.preview
                ? `New image, ${state.preview.width}×${state.preview.height} pixels`
                : "Current image"}
            </figcaption>
          </figure>
        )}
        <input
          id={`field-${kind}`}
          name={kind}
          type="file"
          accept={accept}
          disabled={busy}
          aria-invalid={errors[kind] ? true : undefined}
          aria-describedby={describedBy(kind, `hint-${kind}`)}
          onChange={(e) => void pick(kind, e.currentTarget)}
        />
        <span class="hint" id={`hint-${kind}`}>
          {hint}
        </span>
        {fieldError(kind)}
        {state.progress !== undefined && (
          <span class="upload-status">
            <progress id={`progress-${kind}`} max={1} value={state.progress} aria-label={`${label} upload`} />
            <span aria-live="polite">
              {state.uploadId ? "Uploaded" : `${Math.floor(state.progress * 100)}%`}
            </span>
          </span>
        )}
      </div>
    );
  };

  const titleLength = title.trim().length;
  return (
    <form class="product-form" onSubmit={submit} noValidate>
      {leaveDialog}
      <div class="field">
        <label htmlFor="field-title">Title</label>
        <input
          id="field-title"
          name="title"
          value={title}
          disabled={busy}
          aria-invalid={errors.title ? true : undefined}
          aria-describedby={describedBy("title", "count-title")}
          onInput={(e) => setTitle(e.currentTarget.value)}
        />
        <span class={titleLength > TITLE_MAX ? "hint counter over" : "hint counter"} id="count-title">
          {titleLength} / {TITLE_MAX} characters
        </span>
        {fieldError("title")}
      </div>
      <div class="field">
        <label htmlFor="field-description">Text</label>
        <textarea
          id="field-description"
          name="description"
          rows={6}
          value={description}
          disabled={busy}
          aria-invalid={errors.description ? true : undefined}
          aria-describedby={describedBy("description", "count-description")}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
        <span
          class={description.length > DESCRIPTION_MAX ? "hint counter over" : "hint counter"}
          id="count-description"
        >
          {description.length} / {DESCRIPTION_MAX} characters
        </span>
        {fieldError("description")}
      </div>
      <div class="field price-field">
        <label htmlFor="field-price">Price</label>
        <span class="price-inputs">
          <input
            id="field-price"
            name="price"
            inputMode="decimal"
            value={price}
            disabled={busy}
            placeholder="4.99"
            aria-invalid={errors.price ? true : undefined}
            aria-describedby={describedBy("price", "hint-price")}
            onInput={(e) => setPrice(e.currentTarget.value)}
          />
          <select
            aria-label="Currency"
            name="currency"
            value={currency}
            disabled={busy}
            onChange={(e) => setCurrency(e.currentTarget.value)}
          >
            {[...new Set([currency, ...currencies])].map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
          </select>
        </span>
        <span class="hint" id="hint-price">
          0 makes the product free.
        </span>
        {fieldError("price")}
      </div>
      <div class="field">
        <label htmlFor="field-device-limit">Device limit for buyers' links</label>
        <input
          id="field-device-limit"
          name="defaultMaxClients"
          type="number"
          min={1}
          max={MAX_DEVICE_LIMIT}
          step={1}
          value={deviceLimit}
          disabled={busy}
          aria-invalid={errors.defaultMaxClients ? true : undefined}
          aria-describedby={describedBy("defaultMaxClients", "hint-device-limit")}
          onInput={(e) => setDeviceLimit(e.currentTarget.value)}
        />
        <span class="hint" id="hint-device-limit">
          Optional. A link a buyer shares works on at most this many devices; buyers may choose fewer, never
          more. Empty: no limit.
        </span>
        {fieldError("defaultMaxClients")}
      </div>
      {fileField(
        "promoImage",
        "Promo image",
        config.imageContentTypes.join(","),
        `${config.imageContentTypes.map(typeLabel).join(", ")}, up to ${formatBytes(config.maxImageBytes)}.${editing ? " Leave empty to keep the current image." : ""}`,
      )}
      {fileField(
        "deliverable",
        "File to sell",
        undefined,
        `Any type, up to ${formatBytes(config.maxDeliverableBytes)}.${editing ? ` Leave empty to keep ${initial?.deliverable.filename ?? "the current file"}.` : ""}`,
      )}
      {failure && (
        <div class="error" role="alert">
          <p>{failure.message}</p>
          {failure.conflict && props.onReload && (
            <button type="button" class="secondary" onClick={props.onReload}>
              Reload the product
            </button>
          )}
        </div>
      )}
      <p class="form-actions">
        <button type="submit" disabled={busy || phase === "checking"}>
          {phase === "uploading"
            ? "Uploading…"
            : phase === "saving"
              ? "Saving…"
              : phase === "failed"
                ? "Retry"
                : props.submitLabel}
        </button>
        {phase === "uploading" ? (
          <button type="button" class="secondary" onClick={cancel}>
            Cancel upload
          </button>
        ) : (
          !busy && (
            <A href={props.cancelHref} class="button secondary">
              Cancel
            </A>
          )
        )}
      </p>
    </form>
  );
}
