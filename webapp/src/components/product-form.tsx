import { useState } from "preact/hooks";
import { ApiError, api, describeError, type ProductDetail, unwrap } from "../api/client.ts";
import type { PublicConfig } from "../lib/config.ts";
import { formatBytes, minorToInput, parsePrice } from "../lib/format.ts";
import { putFile } from "../lib/upload.ts";

type Kind = "promoImage" | "deliverable";

interface FileState {
  file?: File;
  /** Set once the bytes are in S3: a retry after a later failure does not upload them again. */
  uploadId?: string;
  progress?: number;
  error?: string;
}

export interface ProductFields {
  title: string;
  description: string;
  price: { amount: number; currency: string };
  imageUploadId?: string;
  deliverableUploadId?: string;
}

const currencies = ["USD", "EUR", "GBP", "CHF", "SEK", "JPY", "CAD", "AUD"];
const mimePattern = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$/;

function typeLabel(type: string): string {
  return type.replace(/^image\//, "").toUpperCase();
}

/** The same checks the server makes, so most mistakes are caught before any upload. */
function checkFile(
  kind: Kind,
  file: File | undefined,
  config: PublicConfig,
  required: boolean,
): string | undefined {
  const name = kind === "promoImage" ? "promo image" : "file to sell";
  if (!file) return required ? `Choose a ${name}.` : undefined;
  if (file.size === 0) return `The ${name} is empty.`;
  const max = kind === "promoImage" ? config.maxImageBytes : config.maxDeliverableBytes;
  if (file.size > max) return `The ${name} is ${formatBytes(file.size)}; the limit is ${formatBytes(max)}.`;
  if (kind === "promoImage" && !config.imageContentTypes.includes(file.type)) {
    return `The promo image must be ${config.imageContentTypes.map(typeLabel).join(", ")} (this file is ${file.type || "of an unknown type"}).`;
  }
  return undefined;
}

function contentTypeOf(kind: Kind, file: File): string {
  if (kind === "promoImage") return file.type;
  return mimePattern.test(file.type) && file.type.length <= 100 ? file.type : "application/octet-stream";
}

export function ProductForm(props: {
  config: PublicConfig;
  initial?: ProductDetail;
  submitLabel: string;
  onSave: (fields: ProductFields) => Promise<void>;
  onReload?: () => void;
}) {
  const { config, initial } = props;
  const editing = initial !== undefined;
  const [title, setTitle] = useState(initial?.title ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [currency, setCurrency] = useState(initial?.price.currency ?? "USD");
  const [price, setPrice] = useState(initial ? minorToInput(initial.price) : "");
  const [files, setFiles] = useState<Record<Kind, FileState>>({ promoImage: {}, deliverable: {} });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [phase, setPhase] = useState<"editing" | "uploading" | "saving" | "failed">("editing");
  const [failure, setFailure] = useState<{ message: string; conflict: boolean }>();

  const updateFile = (kind: Kind, change: FileState | ((previous: FileState) => FileState)) =>
    setFiles((previous) => ({
      ...previous,
      [kind]: typeof change === "function" ? change(previous[kind]) : change,
    }));

  const validate = (): Record<string, string> => {
    const found: Record<string, string> = {};
    if (!title.trim()) found.title = "Enter a title.";
    else if (title.trim().length > 120) found.title = "The title may be at most 120 characters.";
    if (!description.trim()) found.description = "Enter a description.";
    else if (description.length > 5000) found.description = "The description may be at most 5000 characters.";
    const amount = parsePrice(price, currency);
    if (amount === undefined) found.price = "Enter a price like 4.99 (no currency sign).";
    else if (amount > 100_000_000) found.price = "That price is too high.";
    for (const kind of ["promoImage", "deliverable"] as const) {
      const problem = checkFile(kind, files[kind].file, config, !editing);
      if (problem) found[kind] = problem;
    }
    return found;
  };

  const upload = async (kind: Kind): Promise<string | undefined> => {
    const state = files[kind];
    if (!state.file) return undefined;
    if (state.uploadId) return state.uploadId;
    const file = state.file;
    updateFile(kind, { file, progress: 0 });
    try {
      const ticket = unwrap(
        await api.POST("/api/uploads", {
          body: {
            kind,
            contentType: contentTypeOf(kind, file),
            size: file.size,
            filename: file.name.slice(0, 200) || "file",
          },
        }),
      );
      await putFile(ticket, file, (progress) => updateFile(kind, (previous) => ({ ...previous, progress })));
      updateFile(kind, { file, progress: 1, uploadId: ticket.uploadId });
      return ticket.uploadId;
    } catch (caught) {
      updateFile(kind, { file, error: describeError(caught) });
      throw caught;
    }
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = validate();
    setErrors(found);
    setFailure(undefined);
    if (Object.keys(found).length > 0) {
      document.getElementById(`field-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    setPhase("uploading");
    let imageUploadId: string | undefined;
    let deliverableUploadId: string | undefined;
    try {
      [imageUploadId, deliverableUploadId] = await Promise.all([upload("promoImage"), upload("deliverable")]);
    } catch {
      setFailure({
        message: "An upload failed; see the message next to the file. Your form is kept: press Retry.",
        conflict: false,
      });
      setPhase("failed");
      return;
    }
    setPhase("saving");
    try {
      await props.onSave({
        title: title.trim(),
        description,
        price: { amount: parsePrice(price, currency) as number, currency },
        imageUploadId,
        deliverableUploadId,
      });
    } catch (caught) {
      const conflict = caught instanceof ApiError && caught.status === 409;
      if (caught instanceof ApiError && caught.code === "upload_invalid") {
        // The server refused a file after checking it: upload it again (or another one) on retry.
        setFiles((previous) => ({
          promoImage: { file: previous.promoImage.file },
          deliverable: { file: previous.deliverable.file },
        }));
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

  const busy = phase === "uploading" || phase === "saving";
  const fieldError = (name: string) =>
    errors[name] ? (
      <span class="field-error" id={`error-${name}`}>
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
        <input
          id={`field-${kind}`}
          name={kind}
          type="file"
          accept={accept}
          required={!editing}
          disabled={busy}
          aria-invalid={errors[kind] ? true : undefined}
          aria-describedby={describedBy(kind, `hint-${kind}`)}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            updateFile(kind, { file });
            setErrors(({ [kind]: _, ...rest }) => rest);
          }}
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
        {state.error && (
          <span class="field-error" role="alert">
            Upload failed: {state.error}
          </span>
        )}
      </div>
    );
  };

  return (
    <form class="product-form" onSubmit={submit} noValidate>
      <div class="field">
        <label htmlFor="field-title">Title</label>
        <input
          id="field-title"
          name="title"
          required
          maxLength={120}
          value={title}
          disabled={busy}
          aria-invalid={errors.title ? true : undefined}
          aria-describedby={describedBy("title")}
          onInput={(e) => setTitle(e.currentTarget.value)}
        />
        {fieldError("title")}
      </div>
      <div class="field">
        <label htmlFor="field-description">Text</label>
        <textarea
          id="field-description"
          name="description"
          required
          rows={6}
          maxLength={5000}
          value={description}
          disabled={busy}
          aria-invalid={errors.description ? true : undefined}
          aria-describedby={describedBy("description")}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
        {fieldError("description")}
      </div>
      <div class="field price-field">
        <label htmlFor="field-price">Price</label>
        <span class="price-inputs">
          <input
            id="field-price"
            name="price"
            required
            inputMode="decimal"
            value={price}
            disabled={busy}
            placeholder="4.99"
            aria-invalid={errors.price ? true : undefined}
            aria-describedby={describedBy("price")}
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
        {fieldError("price")}
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
        <button type="submit" disabled={busy}>
          {phase === "uploading"
            ? "Uploading…"
            : phase === "saving"
              ? "Saving…"
              : phase === "failed"
                ? "Retry"
                : props.submitLabel}
        </button>
      </p>
    </form>
  );
}
