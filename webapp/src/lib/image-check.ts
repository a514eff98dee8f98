import { imageContentTypes, imageMatchesContentType } from "../../../src/domain/upload.ts";
import { formatBytes } from "./format.ts";

export const MIN_IMAGE_SIDE = { width: 160, height: 90 };
export const MAX_IMAGE_SIDE = 10_000;

export type ImageCheck =
  | { ok: true; contentType: string; width: number; height: number; preview: string }
  | { ok: false; error: string };

const label = (type: string) => type.replace(/^image\//, "").toUpperCase();

/** The type the first bytes say, with the server's own signatures (src/domain/upload.ts). */
function sniff(head: Uint8Array): string | undefined {
  return imageContentTypes.find((type) => imageMatchesContentType(head, type));
}

function readAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/**
 * Everything about a promo image that can be known before uploading it: size, type by its bytes
 * (not its name), that it decodes, its dimensions; and a preview (a data: URL, which the CSP allows).
 */
export async function checkImage(
  file: File,
  maxBytes: number,
  allowed: readonly string[],
): Promise<ImageCheck> {
  const types = allowed.map(label).join(", ");
  if (file.size === 0) return { ok: false, error: "This image file is empty." };
  if (file.size > maxBytes) {
    return {
      ok: false,
      error: `This image is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`,
    };
  }
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  const contentType = sniff(head);
  if (!contentType || !allowed.includes(contentType)) {
    return {
      ok: false,
      error: `This file is not a ${types} image: its contents are not an image of those types, whatever its name (${file.name}) says.`,
    };
  }
  let width: number;
  let height: number;
  try {
    const bitmap = await createImageBitmap(file);
    ({ width, height } = bitmap);
    bitmap.close();
  } catch {
    return { ok: false, error: `This ${label(contentType)} image is damaged: it could not be opened.` };
  }
  if (width < MIN_IMAGE_SIDE.width || height < MIN_IMAGE_SIDE.height) {
    return {
      ok: false,
      error: `This image is ${width}×${height} pixels; it needs at least ${MIN_IMAGE_SIDE.width}×${MIN_IMAGE_SIDE.height} to look sharp.`,
    };
  }
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    return {
      ok: false,
      error: `This image is ${width}×${height} pixels; each side may be at most ${MAX_IMAGE_SIDE.toLocaleString("en")}.`,
    };
  }
  return { ok: true, contentType, width, height, preview: await readAsDataUrl(file) };
}
