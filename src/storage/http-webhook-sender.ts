import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { WebhookResponse, WebhookSender } from "#src/app-deps.ts";
import { checkTargetUrl, isPublicAddress } from "#src/domain/webhook.ts";

export type Resolve = (hostname: string) => Promise<string[]>;

const defaultResolve: Resolve = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

const isLoopbackAddress = (address: string) =>
  /^127\./.test(address) || address === "::1" || /^::ffff:127\./i.test(address);

class BlockedAddressError extends Error {}

/**
 * Delivers over node's http(s) with a `lookup` of its own: the host name is resolved once, every
 * address is checked (public only; loopback too when allowed), and the socket connects to the
 * address that was checked — a DNS answer that changes between the check and the connection
 * (rebinding) cannot move it. Redirects are not followed; the answer's body is read and dropped.
 */
export function httpWebhookSender(options: {
  allowLoopback: boolean;
  timeoutMs: number;
  resolve?: Resolve;
}): WebhookSender {
  const resolve = options.resolve ?? defaultResolve;
  const allowed = (address: string) =>
    isPublicAddress(address) || (options.allowLoopback && isLoopbackAddress(address));

  const pinnedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const blocked = addresses.find((address) => !allowed(address));
        const address = addresses[0];
        if (blocked || address === undefined) {
          callback(new BlockedAddressError(`${hostname} resolves to a non-public address`), "", 4);
          return;
        }
        if ((lookupOptions as { all?: boolean }).all) {
          (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
            { address, family: isIP(address) },
          ]);
        } else callback(null, address, isIP(address));
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, "", 4),
    );
  };

  return (target, headers, body) =>
    new Promise<WebhookResponse>((done) => {
      const startedAt = performance.now();
      const finish = (result: Omit<WebhookResponse, "latencyMs">) =>
        done({ ...result, latencyMs: Math.round(performance.now() - startedAt) });
      const checked = checkTargetUrl(target, options.allowLoopback);
      if (!checked.ok) return finish({ error: `blocked: ${checked.reason}` });
      const { url } = checked;
      const host = url.hostname.replace(/^\[|\]$/g, "");
      if (isIP(host) !== 0 && !allowed(host)) return finish({ error: "blocked: not a public address" });
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      const request = send(
        url,
        {
          method: "POST",
          headers: { ...headers, "content-type": "application/json", "user-agent": "Evergate-Webhooks/1" },
          lookup: pinnedLookup,
          timeout: options.timeoutMs,
          signal: AbortSignal.timeout(options.timeoutMs),
        },
        (response) => {
          response.resume();
          response.on("end", () => finish({ status: response.statusCode }));
          response.on("error", (error) => finish({ status: response.statusCode, error: error.message }));
        },
      );
      request.on("timeout", () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      request.on("error", (error) =>
        finish({
          error:
            error instanceof BlockedAddressError ||
            (error as { cause?: unknown }).cause instanceof BlockedAddressError
              ? `blocked: ${error.message}`
              : error.message.slice(0, 200),
        }),
      );
      request.end(body);
    });
}
