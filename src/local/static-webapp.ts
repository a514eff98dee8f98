import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { webappSecurityHeaders } from "#src/http/webapp-headers.ts";

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

/**
 * Serves the built SPA the way CloudFront does in AWS: files by path, index.html for every other
 * path (client-side routes), with the headers CloudFront sends in AWS (src/http/webapp-headers.ts):
 * a strict CSP that allows no inline script.
 */
export function staticWebapp(directory: string, csp: string) {
  return async (request: Request): Promise<Response> => {
    const headers = webappSecurityHeaders(csp);
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url).pathname);
    } catch {
      // A malformed escape (%E0%A4%A) is the client's mistake: a 400, never a 500.
      return new Response("Bad request", {
        status: 400,
        headers: { ...headers, "Content-Type": "text/plain" },
      });
    }
    const relative = normalize(path)
      .replace(/^(\.\.[/\\])+/, "")
      .replace(/^[/\\]+/, "");
    const ext = extname(relative);
    if (ext && ext !== ".html") {
      try {
        const body = await readFile(join(directory, relative));
        return new Response(body, {
          headers: {
            ...headers,
            "Content-Type": contentTypes[ext] ?? "application/octet-stream",
            "Cache-Control": "no-cache",
          },
        });
      } catch {
        return new Response("Not found", {
          status: 404,
          headers: { ...headers, "Content-Type": "text/plain" },
        });
      }
    }
    const index = await readFile(join(directory, "index.html"));
    return new Response(index, {
      headers: { ...headers, "Content-Type": contentTypes[".html"] as string, "Cache-Control": "no-cache" },
    });
  };
}
