import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

/** A presigned request for some bytes: the URL and the headers its signature pins. */
export interface PresignedPut {
  url: string;
  method?: string;
  headers?: Record<string, string>;
}

export interface FileRange {
  path: string;
  start: number;
  length: number;
}

/** S3 (or the stand-in) refused an upload: its status and the start of its XML error. */
export class UploadError extends Error {
  override name = "UploadError";
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`The upload was refused (HTTP ${status}): ${s3ErrorCode(body) ?? body.slice(0, 200)}`);
  }

  toJSON() {
    return {
      name: this.name,
      status: this.status,
      code: s3ErrorCode(this.body) ?? "upload_failed",
      detail: this.message,
    };
  }
}

function s3ErrorCode(body: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
}

/**
 * PUTs one range of a file to a presigned URL, streamed from disk (a 5 GB file is never in memory),
 * with an exact Content-Length as S3 requires. `onBytes` is called as bytes are handed to the socket
 * (and with a negative count when an attempt fails, so a progress bar goes back). Answers the ETag
 * (multipart parts need it). 5xx answers and broken connections are retried (a PUT may be repeated);
 * 4xx are not.
 */
export async function putFileRange(
  target: PresignedPut,
  range: FileRange,
  onBytes: (delta: number) => void = () => {},
  attempts = 3,
): Promise<{ etag: string | undefined }> {
  for (let attempt = 1; ; attempt++) {
    let sent = 0;
    try {
      const answer = await putOnce(target, range, (delta) => {
        sent += delta;
        onBytes(delta);
      });
      if (answer.status >= 200 && answer.status < 300) return { etag: firstHeader(answer.headers.etag) };
      throw new UploadError(answer.status, answer.body);
    } catch (error) {
      onBytes(-sent);
      const retryable = !(error instanceof UploadError) || error.status >= 500;
      if (!retryable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function putOnce(
  target: PresignedPut,
  range: FileRange,
  onBytes: (delta: number) => void,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const url = new URL(target.url);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: target.method ?? "PUT",
      headers: { ...target.headers, "content-length": String(range.length) },
    });
    request.on("error", reject);
    request.on("response", (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
      response.on("error", reject);
    });
    if (range.length === 0) {
      request.end();
      return;
    }
    const file = createReadStream(range.path, {
      start: range.start,
      end: range.start + range.length - 1,
      highWaterMark: 256 * 1024,
    });
    file.on("data", (chunk) => onBytes(chunk.length));
    file.on("error", (error) => request.destroy(error));
    file.pipe(request);
  });
}

/** How the server asked for a file's bytes (`POST /api/files` → `upload`). */
export type UploadPlan =
  | { kind: "single"; method: "PUT"; url: string; headers: Record<string, string> }
  | {
      kind: "multipart";
      partSize: number;
      parts: Array<{ partNumber: number; size: number; method: "PUT"; url: string }>;
    };

export interface UploadedParts {
  /** A multipart upload's parts with their ETags, ascending, for `POST /api/files/{id}/complete`. */
  parts?: Array<{ partNumber: number; etag: string }>;
}

/**
 * Sends a file the way the plan says: one PUT, or each part's byte range to its URL, `concurrency`
 * at a time. `onProgress` gets the bytes sent so far (all parts together).
 */
export async function uploadByPlan(
  plan: UploadPlan,
  path: string,
  options: { onProgress?: (sentBytes: number) => void; concurrency?: number } = {},
): Promise<UploadedParts> {
  let sent = 0;
  const onBytes = (delta: number) => {
    sent += delta;
    options.onProgress?.(sent);
  };
  if (plan.kind === "single") {
    const { size } = await stat(path);
    await putFileRange(
      { url: plan.url, method: plan.method, headers: plan.headers },
      { path, start: 0, length: size },
      onBytes,
    );
    return {};
  }
  const queue = [...plan.parts];
  const parts: Array<{ partNumber: number; etag: string }> = [];
  let failed = false;
  const worker = async () => {
    for (let part = queue.shift(); part && !failed; part = queue.shift()) {
      const range = { path, start: (part.partNumber - 1) * plan.partSize, length: part.size };
      const { etag } = await putFileRange({ url: part.url, method: part.method }, range, onBytes).catch(
        (error) => {
          failed = true;
          throw error;
        },
      );
      if (!etag) throw new UploadError(200, `part ${part.partNumber} was stored but answered no ETag`);
      parts.push({ partNumber: part.partNumber, etag });
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, worker));
  return { parts: parts.sort((a, b) => a.partNumber - b.partNumber) };
}
