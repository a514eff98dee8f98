export interface StoredFile {
  key: string;
  contentType: string;
  size: number;
  filename: string;
}

export interface Product {
  id: string;
  authorId: string;
  authorName: string;
  title: string;
  description: string;
  priceAmount: number;
  currency: string;
  image: StoredFile;
  deliverable: StoredFile;
  /**
   * The device limit (a link's maxClients) its seller sets for buyers' links to it: applied when a
   * buyer gives none, and the most a buyer may choose (src/domain/link-policy.ts sellerLimitViolations).
   */
  defaultMaxClients?: number;
  createdAt: string;
  updatedAt: string;
  /** Incremented on every change; edits are conditional on it so none is lost. */
  version: number;
}

export interface Order {
  id: string;
  productId: string;
  productTitle: string;
  buyerId: string;
  buyerName: string;
  sellerId: string;
  priceAmount: number;
  currency: string;
  status: "active" | "refunded";
  createdAt: string;
  refundedAt?: string;
}

/** An order is identified by what was bought and by whom: that is what makes buying idempotent. */
export function orderIdFor(productId: string, buyerId: string): string {
  return `${productId}_${buyerId}`;
}

export function parseOrderId(orderId: string): { productId: string; buyerId: string } | null {
  const match = /^([0-9A-Za-z]{16})_([0-9A-Za-z-]{1,128})$/.exec(orderId);
  return match?.[1] && match[2] ? { productId: match[1], buyerId: match[2] } : null;
}

export type Entitlement = "author" | "buyer" | "none";

export function entitlementOf(
  product: Product,
  callerId: string | undefined,
  order: Order | null,
): Entitlement {
  if (!callerId) return "none";
  if (product.authorId === callerId) return "author";
  if (order && order.buyerId === callerId && order.status === "active") return "buyer";
  return "none";
}
