import { createHash, createHmac } from "node:crypto";

/**
 * The presign floor from issue 9: a hand-written SigV4 query presign for one fixed bucket with
 * static credentials and the signing key derived once per day, so each URL costs one SHA-256, one
 * HMAC and the string building. No provider calls, no endpoint logic: nothing cheaper signs a URL.
 */
export function floorPresigner(options: {
  host: string;
  basePath: string;
  origin: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}) {
  const { host, basePath, origin, region, accessKeyId, secretAccessKey } = options;
  let keyDate = "";
  let signingKey: Buffer = Buffer.alloc(0);
  const uriEscape = (value: string) =>
    encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return (
    key: string,
    expiresIn: number,
    signedAt: Date,
    disposition: string,
    cacheControl: string,
  ): string => {
    const longDate = `${signedAt.toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`;
    const shortDate = longDate.slice(0, 8);
    if (shortDate !== keyDate) {
      const hmac = (k: string | Buffer, data: string) => createHmac("sha256", k).update(data).digest();
      signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, shortDate), region), "s3"), "aws4_request");
      keyDate = shortDate;
    }
    const scope = `${shortDate}/${region}/s3/aws4_request`;
    const path = `${basePath}/${key.split("/").map(uriEscape).join("/")}`;
    const head = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=${uriEscape(`${accessKeyId}/${scope}`)}&X-Amz-Date=${longDate}&X-Amz-Expires=${expiresIn}`;
    const tail = `X-Amz-SignedHeaders=host&response-cache-control=${uriEscape(cacheControl)}&response-content-disposition=${uriEscape(disposition)}&x-id=GetObject`;
    const canonical = `GET\n${path}\n${head}&${tail}\nhost:${host}\n\nhost\nUNSIGNED-PAYLOAD`;
    const hash = createHash("sha256").update(canonical).digest("hex");
    const signature = createHmac("sha256", signingKey)
      .update(`AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${hash}`)
      .digest("hex");
    return `${origin}${path}?${head}&X-Amz-Signature=${signature}&${tail}`;
  };
}
