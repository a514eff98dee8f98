/**
 * The API as one signed-in person, for setting up what a Chromium test then looks at: JSON calls
 * that throw on any failure, and an upload through a presigned PUT (the webapp's own path).
 * `origin` and `token` are read at each call: tests set them in beforeAll.
 */
export function apiAs(origin: () => string, token: () => string) {
  async function call(method: string, path: string, json?: unknown) {
    const response = await fetch(`${origin()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token()}`, "content-type": "application/json" },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? {} : ((await response.json()) as Record<string, unknown>);
  }

  async function upload(kind: string, bytes: Uint8Array, contentType: string, filename: string) {
    const ticket = (await call("POST", "/api/uploads", {
      kind,
      contentType,
      size: bytes.length,
      filename,
    })) as {
      url: string;
      headers: Record<string, string>;
      uploadId: string;
    };
    const put = await fetch(ticket.url, { method: "PUT", headers: ticket.headers, body: Buffer.from(bytes) });
    if (!put.ok) throw new Error(`PUT: ${put.status}`);
    return ticket.uploadId;
  }

  return { call, upload };
}
