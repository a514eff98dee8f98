import type { AppDeps } from "#src/app-deps.ts";
import { linkPolicy } from "#src/config.ts";
import { AppError, notFound } from "#src/domain/errors.ts";
import {
  canManageLink,
  type Link,
  type LinkChanges,
  type LinkSubject,
  linkSubject,
  productTarget,
  sameTarget,
} from "#src/domain/link.ts";
import { canonicalFilter, type LinkFilter, matchesLinkFilter } from "#src/domain/link-filter.ts";
import {
  buyerMaxClients,
  describeSellerViolations,
  describeViolations,
  type PolicySubject,
  policyViolations,
  ruleFields,
  sellerLimitViolations,
} from "#src/domain/link-policy.ts";
import { readCursor, signCursor } from "#src/domain/list-cursor.ts";
import { hashPassphrase } from "#src/domain/passphrase.ts";
import type { Product } from "#src/domain/product.ts";
import { mintToken } from "#src/domain/token.ts";
import type { Page, PageRequest, PutLinkOptions } from "#src/storage/ports.ts";
import { entitledProductOrNull, getEntitledProductOrThrow } from "./entitlement.ts";
import { getOwnFileOrThrow } from "./files.ts";

/** What the link use cases touch: the stores and the clock (unit tests pass memoryStores()). */
export type LinkDeps = Pick<AppDeps, "stores" | "clock" | "config">;
/** What issuing a token needs besides: the keys that tag it (ADR 015). */
export type MintingLinkDeps = LinkDeps;

/** What the maker of a link chooses; everything else the link carries is the server's. */
export type LinkSettings = Partial<
  Pick<
    Link,
    | "label"
    | "expiresAt"
    | "maxDownloads"
    | "graceSeconds"
    | "filename"
    | "recipient"
    | "allowedNetworks"
    | "maxClients"
    | "passphraseHash"
    | "tags"
    | "externalId"
  >
> & {
  /** The passphrase in clear, as the API takes it: only its hash is kept. */
  passphrase?: string;
};

/** An update as the API takes it: the passphrase in clear (null removes it). */
export type LinkUpdate = Omit<LinkChanges, "passphraseHash"> & { passphrase?: string | null };

function assertFuture(expiresAt: string | undefined | null, now: Date) {
  if (expiresAt && Date.parse(expiresAt) <= now.getTime()) {
    throw new AppError("invalid_request", "expiresAt must be in the future.", {
      errors: [{ path: "expiresAt", message: "must be in the future" }],
    });
  }
}

/**
 * The deployment policy's broken rules for these settings (ignoring rules a PATCH does not touch
 * when `touched` is given), thrown as one 422 that names each.
 */
function assertWithinPolicy(
  deps: LinkDeps,
  subject: PolicySubject,
  now: Date,
  touched?: ReadonlySet<string>,
  prefix = "",
) {
  const violations = policyViolations(linkPolicy(deps.config), subject, now).filter(
    (violation) => !touched || ruleFields[violation.rule].some((field) => touched.has(field)),
  );
  if (violations.length > 0) {
    throw new AppError("policy_violation", `${prefix}${describeViolations(violations)}`, {
      errors: violations,
    });
  }
}

/**
 * The seller's device limit for buyers' links (the product's defaultMaxClients): a buyer may lower
 * it, never lift it. The product's author is not bound by it; nor is a link to a caller's own file.
 */
function assertWithinSellerLimit(
  product: Product | null,
  callerId: string,
  maxClients: number | null | undefined,
  prefix = "",
) {
  if (!product || product.authorId === callerId) return;
  const violations = sellerLimitViolations(product.defaultMaxClients, maxClients);
  if (violations.length > 0) {
    throw new AppError("policy_violation", `${prefix}${describeSellerViolations(violations)}`, {
      errors: violations,
    });
  }
}

const settingsSubject = (settings: LinkSettings): PolicySubject => ({
  expiresAt: settings.expiresAt,
  maxDownloads: settings.maxDownloads,
  hasPassphrase: settings.passphrase !== undefined || settings.passphraseHash !== undefined,
});

/** What a new link takes from its maker's settings: the passphrase is kept only as its hash. */
async function chosenFields(deps: LinkDeps, settings: LinkSettings, now: Date) {
  const { passphrase, ...chosen } = settings;
  assertFuture(chosen.expiresAt, now);
  assertWithinPolicy(deps, settingsSubject(settings), now);
  return {
    ...chosen,
    expiresAt: chosen.expiresAt ? new Date(chosen.expiresAt).toISOString() : undefined,
    passphraseHash: passphrase === undefined ? chosen.passphraseHash : await hashPassphrase(passphrase),
  };
}

/** Stores a new link within its maker's cap and externalId, or says which rule refused it. */
async function storeNewLink(deps: MintingLinkDeps, link: Link, options: PutLinkOptions, what: string) {
  const limit = deps.config.MAX_ACTIVE_LINKS_PER_PRODUCT;
  const stored = await deps.stores.links.put(link, limit, options);
  if (stored === "externalIdTaken") {
    throw new AppError(
      "external_id_taken",
      "You already have a link with this externalId; find it with GET /api/links?externalId=….",
    );
  }
  if (!stored) {
    throw new AppError(
      "link_limit_reached",
      `You already have ${limit} links to this ${what} that are not revoked. Revoke one to make another.`,
    );
  }
}

/** Mints a link for a product the caller wrote or bought; the token exists only in the answer. */
export async function createLink(
  deps: MintingLinkDeps,
  callerId: string,
  productId: string,
  settings: LinkSettings,
  ownerName?: string,
  options: PutLinkOptions = {},
): Promise<{ link: Link; token: string }> {
  const now = deps.clock();
  const { product, entitlement } = await getEntitledProductOrThrow(deps, productId, callerId);
  // A buyer's link gets the seller's device limit unless the buyer names a lower one; checked
  // before chosenFields hashes a passphrase, so a refused request costs no scrypt.
  const maxClients =
    entitlement === "buyer"
      ? buyerMaxClients(product.defaultMaxClients, settings.maxClients)
      : settings.maxClients;
  assertWithinSellerLimit(product, callerId, maxClients);
  const chosen = await chosenFields(
    deps,
    maxClients === undefined ? settings : { ...settings, maxClients },
    now,
  );
  const { token, hash, hint } = mintToken("link", deps.config.TOKEN_KEYS);
  const link: Link = {
    id: hash,
    ownerId: callerId,
    ownerName,
    productId: product.id,
    ...productTarget(product),
    sellerName: product.authorName,
    tokenHint: hint,
    createdAt: now.toISOString(),
    downloadCount: 0,
    ...chosen,
  };
  await storeNewLink(deps, link, options, "product");
  // A refund, delete or file change may have run between the read and the write. Whatever ran
  // before this re-read, it is seen here; whatever runs after it, sees this link (see 004).
  const current = await entitledProductOrNull(deps, productId, callerId);
  if (!current) {
    await deps.stores.links.revoke(link.id, "system", deps.clock());
    throw notFound("Product");
  }
  const target = productTarget(current);
  if (!sameTarget(target, link)) {
    await deps.stores.links.retarget(link.id, target);
    return { link: { ...link, ...target }, token };
  }
  return { link, token };
}

/** Mints a link to the caller's own ready file (docs/decisions/026-files-and-file-links.md). */
export async function createFileLink(
  deps: MintingLinkDeps,
  callerId: string,
  fileId: string,
  settings: LinkSettings,
  ownerName?: string,
  options: PutLinkOptions = {},
): Promise<{ link: Link; token: string }> {
  const now = deps.clock();
  const chosen = await chosenFields(deps, settings, now);
  const file = await getOwnFileOrThrow(deps, callerId, fileId);
  if (file.status !== "ready") {
    throw new AppError("conflict", "The file's upload is not complete: POST /api/files/{id}/complete first.");
  }
  const { token, hash, hint } = mintToken("link", deps.config.TOKEN_KEYS);
  const link: Link = {
    id: hash,
    ownerId: callerId,
    ownerName,
    productId: file.id,
    fileId: file.id,
    productTitle: file.filename,
    objectKey: file.key,
    defaultFilename: file.filename,
    fileSize: file.size,
    sellerName: ownerName,
    tokenHint: hint,
    createdAt: now.toISOString(),
    downloadCount: 0,
    ...chosen,
  };
  await storeNewLink(deps, link, options, "file");
  // A delete may have run between the read and the write: whatever ran before this re-read is
  // seen here; whatever runs after it walks this link (the delete's job, as for products, 004).
  if (!(await deps.stores.files.get(file.id))) {
    await deps.stores.links.revoke(link.id, "system", deps.clock());
    throw notFound("File");
  }
  return { link, token };
}

/** Exactly one of productId and fileId names what a new link serves. */
export function subjectOf(body: { productId?: string; fileId?: string }): LinkSubject {
  if (body.productId !== undefined && body.fileId === undefined)
    return { kind: "product", productId: body.productId };
  if (body.fileId !== undefined && body.productId === undefined) return { kind: "file", fileId: body.fileId };
  const message = "must name exactly one of productId and fileId";
  throw new AppError("invalid_request", `A link ${message}.`, { errors: [{ path: "", message }] });
}

/** createLink or createFileLink, by what the link is to serve. */
export function createLinkTo(
  deps: MintingLinkDeps,
  callerId: string,
  subject: LinkSubject,
  settings: LinkSettings,
  ownerName?: string,
  options: PutLinkOptions = {},
): Promise<{ link: Link; token: string }> {
  return subject.kind === "file"
    ? createFileLink(deps, callerId, subject.fileId, settings, ownerName, options)
    : createLink(deps, callerId, subject.productId, settings, ownerName, options);
}

/** The link if the caller made it or wrote its product; otherwise the same 404 as a missing one. */
export async function getManageableLinkOrThrow(
  deps: LinkDeps,
  linkId: string,
  callerId: string,
): Promise<Link> {
  const link = await deps.stores.links.get(linkId);
  if (!link) throw notFound("Link");
  if (link.ownerId === callerId) return link;
  if (linkSubject(link).kind === "file") throw notFound("Link");
  const product = await deps.stores.products.get(link.productId);
  if (!canManageLink(link, callerId, product?.authorId)) throw notFound("Link");
  return link;
}

export async function updateLink(deps: LinkDeps, linkId: string, callerId: string, update: LinkUpdate) {
  const link = await getManageableLinkOrThrow(deps, linkId, callerId);
  if (link.ownerId !== callerId) throw notFound("Link");
  const { passphrase, ...changes } = update;
  const now = deps.clock();
  assertFuture(changes.expiresAt, now);
  // Only the rules this PATCH's fields concern: a link made before the policy stays editable
  // (a label, its tags) without being brought into policy first.
  const touched = new Set(
    Object.keys(update).filter((field) => update[field as keyof LinkUpdate] !== undefined),
  );
  assertWithinPolicy(
    deps,
    {
      expiresAt: changes.expiresAt === undefined ? link.expiresAt : changes.expiresAt,
      maxDownloads: changes.maxDownloads === undefined ? link.maxDownloads : changes.maxDownloads,
      hasPassphrase: passphrase === undefined ? link.passphraseHash !== undefined : passphrase !== null,
    },
    now,
    touched,
  );
  if (changes.maxClients !== undefined && linkSubject(link).kind === "product") {
    assertWithinSellerLimit(await deps.stores.products.get(link.productId), callerId, changes.maxClients);
  }
  const normalized: LinkChanges = {
    ...changes,
    expiresAt: changes.expiresAt ? new Date(changes.expiresAt).toISOString() : changes.expiresAt,
    ...(passphrase === undefined
      ? {}
      : { passphraseHash: passphrase === null ? null : await hashPassphrase(passphrase) }),
  };
  const updated = await deps.stores.links.update(linkId, normalized);
  if (!updated) throw new AppError("conflict", "A revoked link cannot be changed.");
  return updated;
}

/** Forgets the clients a link's device limit bound; only its maker may (the owner of the limit). */
export async function resetLinkClients(deps: LinkDeps, linkId: string, callerId: string): Promise<Link> {
  const link = await getManageableLinkOrThrow(deps, linkId, callerId);
  if (link.ownerId !== callerId) throw notFound("Link");
  const reset = await deps.stores.links.resetClients(linkId);
  if (!reset) throw new AppError("conflict", "A revoked link cannot be changed.");
  return reset;
}

export async function revokeLink(deps: LinkDeps, linkId: string, callerId: string): Promise<Link> {
  await getManageableLinkOrThrow(deps, linkId, callerId);
  const revoked = await deps.stores.links.revoke(linkId, callerId, deps.clock());
  if (!revoked) throw notFound("Link");
  return revoked;
}

/**
 * Revokes the link and issues a new token with the same settings; only its owner may. The old
 * link goes first, so rotating works at the link limit: its slot is the new link's.
 */
export async function rotateLink(deps: MintingLinkDeps, linkId: string, callerId: string) {
  const link = await deps.stores.links.get(linkId);
  if (!link || link.ownerId !== callerId) throw notFound("Link");
  if (link.revokedAt) throw new AppError("conflict", "The link is already revoked; create a new one.");
  const now = deps.clock();
  const settings: LinkSettings = {
    label: link.label,
    expiresAt: link.expiresAt && Date.parse(link.expiresAt) > now.getTime() ? link.expiresAt : undefined,
    maxDownloads: link.maxDownloads,
    graceSeconds: link.graceSeconds,
    // The same policies; the new token starts with no client bound and no wrong passphrase.
    passphraseHash: link.passphraseHash,
    allowedNetworks: link.allowedNetworks,
    maxClients: link.maxClients,
    filename: link.filename,
    recipient: link.recipient,
    tags: link.tags,
    externalId: link.externalId,
  };
  // The new link is a new link: it must fit the policy. Checked before the old one is revoked,
  // so a refused rotation leaves the old link working; the caller PATCHes it, then rotates.
  assertWithinPolicy(
    deps,
    settingsSubject(settings),
    now,
    undefined,
    "Rotating makes a new link with this link's settings, which must fit the policy: PATCH the link first. ",
  );
  if (linkSubject(link).kind === "product") {
    assertWithinSellerLimit(
      await deps.stores.products.get(link.productId),
      callerId,
      link.maxClients,
      "Rotating makes a new link with this link's settings, which must fit the seller's rule: PATCH the link first. ",
    );
  }
  const revoked = await deps.stores.links.revoke(linkId, callerId, now, true);
  const created = await createLinkTo(deps, callerId, linkSubject(link), settings, link.ownerName, {
    externalIdFrom: link.id,
  });
  return { ...created, revoked };
}

/** Links a filtered page looks at, at most: its cost is bounded whatever the owner holds (ADR 027). */
export const LINK_FILTER_BUDGET = 500;

export type LinkQuery = PageRequest & LinkFilter & { externalId?: string };

const hasFilter = (filter: LinkFilter) => Object.values(filter).some((value) => value !== undefined);

/**
 * The caller's links, newest first. By externalId: the one link (a single read). With filters: a
 * bounded walk of the owner's links, each page looking at LINK_FILTER_BUDGET links at most, so a
 * page may be short (even empty) and still have a next cursor; that cursor is signed and names
 * its filters, so a changed filter or a forged position is a 400.
 */
export async function listOwnLinks(deps: LinkDeps, callerId: string, query: LinkQuery): Promise<Page<Link>> {
  const { limit, cursor, externalId, ...filter } = query;
  const now = deps.clock();
  if (externalId !== undefined) {
    if (cursor !== undefined) throw new AppError("invalid_request", "A lookup by externalId has one page.");
    const link = await deps.stores.links.getByExternalId(callerId, externalId);
    return { items: link && matchesLinkFilter(link, filter, now) ? [link] : [] };
  }
  if (!hasFilter(filter)) return deps.stores.links.listByOwner(callerId, { limit, cursor });
  const key = cursorKey(deps);
  const list = `links:${callerId}:${canonicalFilter(filter)}`;
  const after = cursor === undefined ? undefined : readCursor(key, list, cursor);
  const page = await deps.stores.links.scanOwnerLinks(
    callerId,
    { limit, budget: LINK_FILTER_BUDGET, after },
    (link) => matchesLinkFilter(link, filter, now),
  );
  return {
    items: page.items,
    nextCursor: page.next === undefined ? undefined : signCursor(key, list, page.next),
  };
}

/** Cursors are signed with the token-minting key: rotating it only restarts lists. */
export function cursorKey(deps: LinkDeps): Buffer {
  const ring = deps.config.TOKEN_KEYS;
  const key = ring.keys.get(ring.mintingKeyId);
  if (!key) throw new Error("TOKEN_KEYS has no minting key");
  return key;
}

export async function listProductLinks(
  deps: LinkDeps,
  productId: string,
  callerId: string,
  page: PageRequest,
) {
  const product = await deps.stores.products.get(productId);
  if (!product || product.authorId !== callerId) throw notFound("Product");
  return deps.stores.links.listByProduct(productId, page);
}
