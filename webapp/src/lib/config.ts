import type { components } from "@evergate/client/schema";

export type PublicConfig = components["schemas"]["PublicConfig"];

let pending: Promise<PublicConfig> | undefined;

/** GET /api/config once per page load; a failure is retried on the next call. */
export function getConfig(): Promise<PublicConfig> {
  pending ??= fetch("/api/config", { headers: { Accept: "application/json" } })
    .then(async (response) => {
      if (!response.ok)
        throw new Error(`The server's configuration could not be loaded (HTTP ${response.status}).`);
      return (await response.json()) as PublicConfig;
    })
    .catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
  return pending;
}
