import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { type FunctionUrlResult, functionUrlEvent } from "./function-url-event.ts";

type Handler = (event: unknown, context: unknown) => Promise<FunctionUrlResult>;

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A local stand-in for a Lambda function URL: each HTTP request becomes a payload 2.0 event for
 * `handler` (the built bundle), and its result goes back as the HTTP response, so a browser obeys
 * exactly the headers the Lambda sends. Cookies are split out and set as function URLs do.
 */
export async function serveFunctionUrl(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (request, response) => {
    try {
      const body = await bodyOf(request);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined && name !== "cookie")
          headers[name] = Array.isArray(value) ? value.join(",") : value;
      }
      const event = functionUrlEvent(request.method ?? "GET", request.url ?? "/", {
        headers,
        cookies: request.headers.cookie?.split(/;\s*/).filter(Boolean),
        ...(body.length > 0 ? { body, base64: true } : {}),
      });
      event.requestContext.http.sourceIp =
        request.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1";
      const result = await handler(event, {});
      const outgoing: Record<string, string | string[]> = { ...result.headers };
      if (result.cookies?.length) outgoing["set-cookie"] = result.cookies;
      response.writeHead(result.statusCode, outgoing);
      response.end(
        result.body === undefined
          ? undefined
          : Buffer.from(result.body, result.isBase64Encoded ? "base64" : "utf8"),
      );
    } catch (error) {
      response.writeHead(502, { "content-type": "text/plain" });
      response.end(`function URL stand-in: ${String(error)}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
