import type { AppDeps } from "#src/app-deps.ts";
import { AppError, notFound } from "#src/domain/errors.ts";
import type { Product } from "#src/domain/product.ts";
import { newId } from "#src/domain/token.ts";
import { storeLinkJob } from "./link-jobs.ts";
import { type ClaimedFile, claimUploads, finishUploads, type UploadDeps, verifyUpload } from "./uploads.ts";

/** How long a replaced or deleted object waits before the sweeper may remove it, if nothing else did. */
const CLEANUP_DELAY_MS = 10 * 60_000;

type ProductDeps = UploadDeps & Pick<AppDeps, "linkJobs">;

export interface ProductFields {
  title: string;
  description: string;
  price: { amount: number; currency: string };
  /** The device limit for buyers' links to the product (null in an edit removes it). */
  defaultMaxClients?: number | null;
}

export async function createProduct(
  deps: ProductDeps,
  author: { userId: string; username: string },
  fields: ProductFields & { imageUploadId: string; deliverableUploadId: string },
): Promise<Product> {
  const image = await verifyUpload(deps, author.userId, fields.imageUploadId, "promoImage");
  const deliverable = await verifyUpload(deps, author.userId, fields.deliverableUploadId, "deliverable");
  const id = newId();
  const [imageFile, deliverableFile] = (await claimUploads(deps, author.userId, id, [
    image,
    deliverable,
  ])) as [ClaimedFile, ClaimedFile];
  const now = deps.clock().toISOString();
  const product: Product = {
    id,
    authorId: author.userId,
    authorName: author.username,
    title: fields.title,
    description: fields.description,
    priceAmount: fields.price.amount,
    currency: fields.price.currency,
    image: imageFile.file,
    deliverable: deliverableFile.file,
    ...(fields.defaultMaxClients == null ? {} : { defaultMaxClients: fields.defaultMaxClients }),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await deps.stores.products.create(product);
  await finishUploads(deps, [imageFile, deliverableFile]);
  return product;
}

export async function getOwnProductOrThrow(
  deps: ProductDeps,
  productId: string,
  callerId: string,
): Promise<Product> {
  const product = await deps.stores.products.get(productId);
  if (!product || product.authorId !== callerId) throw notFound("Product");
  return product;
}

const conflict = () =>
  new AppError("conflict", "The product was changed by someone else meanwhile. Reload it and try again.");

/**
 * Edits a product; each file changes only when a new upload is named. The order of writes keeps
 * every crash point safe:
 *   1. claim the new uploads and copy them to new keys (never overwrite: a download in flight or a
 *      cached URL keeps getting the old bytes whole);
 *   2. schedule the old keys for cleanup, so a crash after step 3 orphans nothing;
 *   3. write the product, conditional on the version read (409 on a concurrent edit);
 *   4. store a job that points the product's links at the new deliverable and title and deletes
 *      the old deliverable only then: a worker walks them off the request path (ADR 013), so an
 *      edit takes the same time with ten links or ten thousand;
 *   5. delete the old image and the pending uploads.
 * A crash before step 4 leaves the cleanup records of step 2: the sweeper then stores the job.
 */
export async function updateProduct(
  deps: ProductDeps,
  callerId: string,
  productId: string,
  changes: Partial<ProductFields> & {
    imageUploadId?: string;
    deliverableUploadId?: string;
    version?: number;
  },
): Promise<Product> {
  const current = await getOwnProductOrThrow(deps, productId, callerId);
  if (changes.version !== undefined && changes.version !== current.version) throw conflict();
  const newImage = changes.imageUploadId
    ? await verifyUpload(deps, callerId, changes.imageUploadId, "promoImage")
    : undefined;
  const newDeliverable = changes.deliverableUploadId
    ? await verifyUpload(deps, callerId, changes.deliverableUploadId, "deliverable")
    : undefined;
  const uploads = [newImage, newDeliverable].filter((upload) => upload !== undefined);
  const claimed = await claimUploads(deps, callerId, productId, uploads);
  const claimedImage = newImage ? claimed.find((c) => c.upload.id === newImage.id) : undefined;
  const claimedDeliverable = newDeliverable
    ? claimed.find((c) => c.upload.id === newDeliverable.id)
    : undefined;

  const replacedKeys = [
    claimedImage && current.image.key,
    claimedDeliverable && current.deliverable.key,
  ].filter((key): key is string => typeof key === "string");
  const dueAt = new Date(deps.clock().getTime() + CLEANUP_DELAY_MS).toISOString();
  for (const key of replacedKeys) await deps.stores.uploads.scheduleCleanup({ key, productId, dueAt });

  const { defaultMaxClients: _previous, ...unlimited } = current;
  const defaultMaxClients =
    changes.defaultMaxClients === undefined ? current.defaultMaxClients : changes.defaultMaxClients;
  const updated: Product = {
    ...unlimited,
    ...(defaultMaxClients == null ? {} : { defaultMaxClients }),
    title: changes.title ?? current.title,
    description: changes.description ?? current.description,
    priceAmount: changes.price?.amount ?? current.priceAmount,
    currency: changes.price?.currency ?? current.currency,
    image: claimedImage?.file ?? current.image,
    deliverable: claimedDeliverable?.file ?? current.deliverable,
    updatedAt: deps.clock().toISOString(),
    version: current.version + 1,
  };
  if (!(await deps.stores.products.replace(updated, current.version))) {
    // Lost the race: the copies are ours alone, so they go; the old files stay in use.
    for (const { file } of claimed) await deps.files.delete(file.key);
    for (const key of replacedKeys) await deps.stores.uploads.cancelCleanup(key);
    await finishUploads(deps, claimed);
    throw conflict();
  }
  if (claimedDeliverable || updated.title !== current.title) {
    const job = await storeLinkJob(deps, {
      kind: "retarget",
      productId,
      deleteKeys: claimedDeliverable ? [current.deliverable.key] : [],
    });
    deps.linkJobs.started(job.id);
  }
  if (claimedImage) {
    // No link serves the image: it can go now.
    await deps.files.delete(current.image.key);
    await deps.stores.uploads.cancelCleanup(current.image.key);
  }
  await finishUploads(deps, claimed);
  return updated;
}

/**
 * Deletes a product: it leaves the shop at once, every link to it stops within seconds (a worker
 * revokes them off the request path, ADR 013), and buyers lose the download (the file is gone);
 * their orders stay as history. The files are scheduled for cleanup first and the job is stored
 * before the product is deleted, so a crash at any step leaves nothing serving for long. The
 * worker walks the links only once the product is gone, so a link created meanwhile is either
 * walked or revokes itself in its creator's re-check; it deletes the files after the walk.
 */
export async function deleteProduct(deps: ProductDeps, callerId: string, productId: string): Promise<void> {
  const product = await getOwnProductOrThrow(deps, productId, callerId);
  const keys = [product.image.key, product.deliverable.key];
  const dueAt = new Date(deps.clock().getTime() + CLEANUP_DELAY_MS).toISOString();
  for (const key of keys) await deps.stores.uploads.scheduleCleanup({ key, productId, dueAt });
  const job = await storeLinkJob(deps, {
    kind: "revoke-product",
    productId,
    revokedBy: callerId,
    deleteKeys: keys,
  });
  await deps.stores.products.delete(productId);
  deps.linkJobs.started(job.id);
}

/**
 * The sweeper: removes pending uploads that were never used, and objects that no product points
 * at any more. Run on a schedule (locally every minute; in AWS the S3 lifecycle rule on pending/
 * is the backstop). Returns how many objects it deleted.
 */
export async function sweepGarbage(deps: ProductDeps, limit = 100): Promise<number> {
  const { uploads, cleanups } = await deps.stores.uploads.listDue(deps.clock(), limit);
  let deleted = 0;
  for (const upload of uploads) {
    await deps.files.delete(upload.pendingKey);
    deleted++;
    if (upload.claim) {
      const product = await deps.stores.products.get(upload.claim.productId);
      const inUse =
        product &&
        (product.image.key === upload.claim.targetKey || product.deliverable.key === upload.claim.targetKey);
      if (!inUse) {
        await deps.files.delete(upload.claim.targetKey);
        deleted++;
      }
    }
    await deps.stores.uploads.delete(upload.id);
  }
  for (const cleanup of cleanups) {
    const product = cleanup.productId ? await deps.stores.products.get(cleanup.productId) : null;
    const inUse = product && (product.image.key === cleanup.key || product.deliverable.key === cleanup.key);
    if (!inUse && product) {
      // Links may still point at it (an edit stopped before storing its job): a job moves them
      // to the product's file and deletes this one after; the record stays as its safety net.
      const job = await storeLinkJob(deps, {
        kind: "retarget",
        productId: product.id,
        deleteKeys: [cleanup.key],
      });
      const later = new Date(deps.clock().getTime() + CLEANUP_DELAY_MS).toISOString();
      await deps.stores.uploads.scheduleCleanup({ ...cleanup, dueAt: later });
      deps.linkJobs.started(job.id);
      continue;
    }
    if (!inUse) {
      await deps.files.delete(cleanup.key);
      deleted++;
    }
    await deps.stores.uploads.cancelCleanup(cleanup.key);
  }
  return deleted;
}
