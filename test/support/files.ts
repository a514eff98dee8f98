import type { TestEvergate } from "./harness.ts";

/** A file as GET /api/files/{id} shows it. */
export type FileView = { id: string; filename: string; contentType: string; size: number; status: string };
export type SingleUpload = { kind: "single"; method: "PUT"; url: string; headers: Record<string, string> };
export type MultipartUpload = {
  kind: "multipart";
  partSize: number;
  parts: Array<{ partNumber: number; size: number; method: "PUT"; url: string }>;
};
export type CreatedFile = { file: FileView; upload: SingleUpload | MultipartUpload };
export type PartEtag = { partNumber: number; etag: string };

async function expectStatus(response: Response, status: number, what: string) {
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${await response.text()}`);
}

/** The files API as a service uses it (docs/decisions/026-files-and-file-links.md), for tests. */
export function filesApi(evergate: TestEvergate) {
  const create = async (token: string, fields: { filename: string; contentType: string; size: number }) => {
    const response = await evergate.request("POST", "/api/files", { token, json: fields });
    await expectStatus(response, 201, "POST /api/files");
    return (await response.json()) as CreatedFile;
  };

  /** PUTs every part, four at a time as a client would; answers the parts' ETags. */
  const putParts = async (upload: MultipartUpload, bytes: Uint8Array): Promise<PartEtag[]> => {
    const etags: PartEtag[] = [];
    for (let i = 0; i < upload.parts.length; i += 4) {
      const batch = await Promise.all(
        upload.parts.slice(i, i + 4).map(async (part) => {
          const start = (part.partNumber - 1) * upload.partSize;
          const response = await fetch(part.url, {
            method: part.method,
            body: new Uint8Array(bytes.subarray(start, start + part.size)),
          });
          await expectStatus(response, 200, `PUT part ${part.partNumber}`);
          return { partNumber: part.partNumber, etag: response.headers.get("etag") ?? "" };
        }),
      );
      etags.push(...batch);
    }
    return etags;
  };

  const complete = (token: string, id: string, parts?: PartEtag[]) =>
    evergate.request("POST", `/api/files/${id}/complete`, { token, json: parts ? { parts } : {} });

  /** Uploads bytes as a file (single PUT or multipart, as the server says), completes it, answers its id. */
  const upload = async (
    token: string,
    bytes: Uint8Array,
    filename = "notes.txt",
    contentType = "text/plain",
  ) => {
    const { file, upload: how } = await create(token, { filename, contentType, size: bytes.length });
    if (how.kind === "single") {
      const put = await fetch(how.url, {
        method: how.method,
        headers: how.headers,
        body: new Uint8Array(bytes),
      });
      await expectStatus(put, 200, "PUT file");
      await expectStatus(await complete(token, file.id), 200, "complete");
    } else {
      await expectStatus(await complete(token, file.id, await putParts(how, bytes)), 200, "complete");
    }
    return file.id;
  };

  return { create, putParts, complete, upload };
}
