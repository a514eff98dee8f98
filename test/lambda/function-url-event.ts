import { randomUUID } from "node:crypto";

/** The payload (format 2.0) a Lambda function URL sends, as documented by AWS. */
export interface FunctionUrlEvent {
  version: "2.0";
  routeKey: "$default";
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: "$default";
    stage: "$default";
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** What a function URL expects back (hono/aws-lambda answers in this shape). */
export interface FunctionUrlResult {
  statusCode: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

export interface EventOptions {
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string | Uint8Array;
  /** Send the body base64-encoded, as function URLs do for binary and (sometimes) text bodies. */
  base64?: boolean;
}

const urlId = "abcdefghijklmnopqrstuvwxyz012345";
const domainName = `${urlId}.lambda-url.eu-west-1.on.aws`;

/**
 * A function URL event for `method path?query`: lower-case headers, cookies split out of the
 * Cookie header, query parameters both raw and parsed (repeated keys comma-joined), as AWS does.
 */
export function functionUrlEvent(
  method: string,
  pathAndQuery: string,
  options: EventOptions = {},
): FunctionUrlEvent {
  const [rawPath = "/", rawQueryString = ""] = pathAndQuery.split(/\?(.*)/s);
  const headers: Record<string, string> = {
    host: domainName,
    "user-agent": "curl/8.5.0",
    accept: "*/*",
    "x-amzn-trace-id": "Root=1-6650c4d1-0123456789abcdef01234567",
    "x-forwarded-for": "203.0.113.7",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  }
  const now = new Date();
  let body: string | undefined;
  if (options.body !== undefined) {
    const bytes = typeof options.body === "string" ? Buffer.from(options.body) : Buffer.from(options.body);
    body = options.base64 ? bytes.toString("base64") : bytes.toString("utf8");
    headers["content-length"] ??= String(bytes.length);
  }
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    ...(options.cookies?.length ? { cookies: options.cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: "anonymous",
      apiId: urlId,
      domainName,
      domainPrefix: urlId,
      http: {
        method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: options.base64 ?? false,
  };
}
