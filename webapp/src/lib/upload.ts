import type { UploadTicket } from "../api/client.ts";

/** The storage service answered no (4xx): sending the same file again would get the same answer. */
export class UploadRefusedError extends Error {
  override name = "UploadRefusedError";
}

/** Why S3 refused a PUT, from its XML error body, in words. */
function describeStorageRefusal(xhr: XMLHttpRequest): string {
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(xhr.responseText ?? "")?.[1];
  const reasons: Record<string, string> = {
    AccessDenied: "the upload permission expired or does not match this file",
    SignatureDoesNotMatch: "the file does not match what was announced (size or type changed)",
    EntityTooLarge: "the file is too large",
    RequestTimeTooSkewed: "your computer's clock is off",
    ExpiredToken: "the upload permission expired",
  };
  const reason = (code && reasons[code]) ?? (code ? `storage error ${code}` : `HTTP ${xhr.status}`);
  return `The storage service refused the upload: ${reason}.`;
}

/** PUTs a file straight to S3 with the presigned ticket, reporting progress from 0 to 1. */
export function putFile(
  ticket: UploadTicket,
  file: Blob,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    if (signal?.aborted) return reject(new DOMException("The upload was cancelled.", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.open(ticket.method, ticket.url);
    for (const [name, value] of Object.entries(ticket.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else if (xhr.status >= 400 && xhr.status < 500) {
        reject(new UploadRefusedError(describeStorageRefusal(xhr)));
      } else {
        reject(new Error(describeStorageRefusal(xhr)));
      }
    };
    xhr.onerror = () =>
      reject(new Error("The upload could not reach the storage service. Check your connection and retry."));
    xhr.ontimeout = () => reject(new Error("The upload timed out. Please retry."));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    xhr.send(file);
  });
}
