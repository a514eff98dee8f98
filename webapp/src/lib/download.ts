import { api, unwrap } from "../api/client.ts";

/**
 * Starts the browser's download of a product's file: the API answers a short-lived signed URL,
 * which the browser follows itself (fetch cannot follow a cross-origin redirect into a download).
 */
export async function downloadProduct(productId: string): Promise<void> {
  const answer = unwrap(
    await api.GET("/api/products/{id}/download", {
      params: { path: { id: productId } },
      headers: { Accept: "application/json" },
    }),
  );
  location.assign(answer.url);
}
