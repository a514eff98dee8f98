import type { AppDeps } from "#src/app-deps.ts";
import { notFound } from "#src/domain/errors.ts";
import { DELIVERABLE_CACHE_CONTROL, promoImageCacheControl } from "#src/domain/served-file.ts";
import { secondsUntil, signingWindow } from "#src/domain/signing-window.ts";
import { getEntitledProductOrThrow } from "./entitlement.ts";

type Deps = Pick<AppDeps, "config" | "stores" | "files" | "clock">;

/**
 * The promo image's signed URL, the same for a whole window and valid for two, so browsers and a
 * CDN can cache the redirect and the bytes; `maxAge` is what is left of the window.
 */
export async function promoImageUrl(deps: Deps, productId: string): Promise<{ url: string; maxAge: number }> {
  const product = await deps.stores.products.get(productId);
  if (!product) throw notFound("Product");
  const window = deps.config.IMAGE_CACHE_WINDOW_SECONDS;
  const now = deps.clock();
  const { signedAt, endsAt } = signingWindow(now, window);
  const url = await deps.files.presignGet(product.image.key, {
    expiresInSeconds: window * 2,
    signedAt,
    cacheControl: promoImageCacheControl(window),
  });
  return { url, maxAge: secondsUntil(endsAt, now) };
}

/** The deliverable's signed URL, for its author or a buyer (404 to anyone else). */
export async function deliverableUrl(
  deps: Deps,
  productId: string,
  callerId: string,
): Promise<{ url: string; expiresAt: string }> {
  const { product } = await getEntitledProductOrThrow(deps, productId, callerId);
  const now = deps.clock();
  const ttl = deps.config.DOWNLOAD_URL_TTL_SECONDS;
  const url = await deps.files.presignGet(product.deliverable.key, {
    expiresInSeconds: ttl,
    signedAt: now,
    cacheControl: DELIVERABLE_CACHE_CONTROL,
    downloadFilename: product.deliverable.filename,
  });
  return { url, expiresAt: new Date(now.getTime() + ttl * 1000).toISOString() };
}
