/**
 * The webapp's security headers, in one place for both servers of the SPA: the local static
 * server (src/local/static-webapp.ts, `npm start`) and CloudFront's response-headers policy in AWS
 * (infra/constructs/site.ts). infra/response-headers.test.ts checks that the synthesized policy is
 * exactly this (ADR 016).
 */

/** Where the SPA may reach besides itself: S3 (uploads, promo images) and the identity provider. */
export interface WebappOrigins {
  s3: string;
  identity: string;
  /** The files CDN (ADR 024), which serves promo images when it is on. */
  files?: string;
}

export function webappCsp(origins: WebappOrigins): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: ${origins.s3}${origins.files ? ` ${origins.files}` : ""}`,
    `connect-src 'self' ${origins.s3} ${origins.identity}`,
    `form-action 'self' ${origins.identity}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join("; ");
}

/** Every page and file of the SPA carries these, locally and in AWS. */
export function webappSecurityHeaders(csp: string) {
  return {
    "Content-Security-Policy": csp,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
  } as const;
}
