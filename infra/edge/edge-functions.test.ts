import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface Header {
  value: string;
}
interface ViewerRequest {
  method?: string;
  uri: string;
  headers: Record<string, Header | undefined>;
}
type Handler = (event: { request: ViewerRequest }) => ViewerRequest;

/** Loads a CloudFront Function the way CloudFront runs it: a script that defines `handler`. */
function loadHandler(file: string): Handler {
  const code = readFileSync(new URL(file, import.meta.url), "utf8");
  return new Function(`${code}\nreturn handler;`)() as Handler;
}

const request = (uri: string, headers: Record<string, string> = {}): { request: ViewerRequest } => ({
  request: {
    uri,
    headers: Object.fromEntries(
      Object.entries({ host: "d111.cloudfront.net", ...headers }).map(([k, v]) => [k, { value: v }]),
    ),
  },
});

describe("spa-fallback.js (default behaviour)", () => {
  const handler = loadHandler("./spa-fallback.js");

  it.each(["/", "/callback", "/products/p_123", "/links/"])("serves the shell for the route %s", (uri) => {
    expect(handler(request(uri)).uri).toBe("/index.html");
  });

  it.each(["/index.html", "/assets/app-3f2a.js", "/favicon.ico", "/assets/v1.2/app.css"])(
    "leaves the file %s alone",
    (uri) => {
      expect(handler(request(uri)).uri).toBe(uri);
    },
  );
});

describe("api-viewer-request.js (/api/* and /l/*)", () => {
  const handler = loadHandler("./api-viewer-request.js");

  it("sets X-Forwarded-Host from the viewer's Host, overwriting a forged one", () => {
    const result = handler(request("/api/health", { "x-forwarded-host": "evil.example" }));
    expect(result.headers["x-forwarded-host"]).toEqual({ value: "d111.cloudfront.net" });
  });

  it("copies the viewer's Authorization past OAC into x-evergate-authorization", () => {
    const result = handler(request("/api/links", { authorization: "Bearer abc" }));
    expect(result.headers["x-evergate-authorization"]).toEqual({ value: "Bearer abc" });
  });

  it("gives the link confirm form's empty POST the empty body's SHA-256, and nothing else", () => {
    const confirm = { request: { ...request("/l/evg_x").request, method: "POST" } };
    expect(handler(confirm).headers["x-amz-content-sha256"]).toEqual({
      value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    });
    const apiPost = { request: { ...request("/api/links").request, method: "POST" } };
    expect(handler(apiPost).headers["x-amz-content-sha256"]).toBeUndefined();
    expect(handler(request("/l/evg_x")).headers["x-amz-content-sha256"]).toBeUndefined();
  });

  it("drops an x-evergate-authorization the viewer sent without Authorization", () => {
    const result = handler(request("/l/tok", { "x-evergate-authorization": "Bearer forged" }));
    expect(result.headers["x-evergate-authorization"]).toBeUndefined();
  });

  it("keeps the path and other headers", () => {
    const result = handler(request("/l/tok", { "x-amz-content-sha256": "e3b0" }));
    expect(result.uri).toBe("/l/tok");
    expect(result.headers["x-amz-content-sha256"]).toEqual({ value: "e3b0" });
  });
});
