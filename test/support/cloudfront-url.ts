import { createVerify, generateKeyPairSync } from "node:crypto";

/** An RSA-2048 key pair as an operator makes one for the files CDN (infra/README.md), in PEM. */
export function cdnKeyPair() {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

export type EdgeVerdict =
  | { allowed: true; expires: number; resource: string; keyPairId: string }
  | { allowed: false; reason: "missing" | "signature" | "expired" | "key" };

/**
 * What CloudFront checks on a canned-policy signed URL before it looks in its cache: the
 * Key-Pair-Id is a trusted key, the signature (RSA-SHA1, CloudFront's base64 alphabet) is over
 * the policy of the URL without its three signing parameters, and Expires is in the future.
 */
export function edgeVerdict(
  signedUrl: string,
  trustedKeys: Record<string, string>,
  nowSeconds = Math.floor(Date.now() / 1000),
): EdgeVerdict {
  const url = new URL(signedUrl);
  const expires = url.searchParams.get("Expires");
  const signature = url.searchParams.get("Signature");
  const keyPairId = url.searchParams.get("Key-Pair-Id");
  if (!expires || !signature || !keyPairId) return { allowed: false, reason: "missing" };
  const publicKey = trustedKeys[keyPairId];
  if (!publicKey) return { allowed: false, reason: "key" };
  // The resource is the URL as sent, without the three parameters (they are appended last).
  const resource = signedUrl.replace(/[?&]Expires=.*$/, "");
  const policy = JSON.stringify({
    Statement: [{ Resource: resource, Condition: { DateLessThan: { "AWS:EpochTime": Number(expires) } } }],
  });
  const standard = signature.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/");
  const valid = createVerify("RSA-SHA1").update(policy).verify(publicKey, standard, "base64");
  if (!valid) return { allowed: false, reason: "signature" };
  if (Number(expires) <= nowSeconds) return { allowed: false, reason: "expired" };
  return { allowed: true, expires: Number(expires), resource, keyPairId };
}
