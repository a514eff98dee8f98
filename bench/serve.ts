import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { startTestEvergate } from "../test/support/harness.ts";

/**
 * A server for the throughput scenario, in its own process so the load generator does not share
 * its event loop: `evergate` = the whole local stack as `npm start` runs it (embedded DynamoDB in
 * the loop) with one product and one unlimited link; `bare` = a Hono app answering a constant 302.
 * Prints one JSON line ({ port, token }) when ready; stops on SIGTERM.
 */
const mode = process.argv[2];
const ready = (fields: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(fields)}\n`);

if (mode === "bare") {
  const app = new Hono().get("/l/:token", (c) =>
    c.redirect("https://example.com/file?X-Amz-Signature=0", 302),
  );
  const server = createServer(getRequestListener(app.fetch)).listen(0, "127.0.0.1", () =>
    ready({ port: (server.address() as AddressInfo).port }),
  );
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
} else if (mode === "evergate") {
  // As `npm start` runs: hot links on (the test harness turns them off for exact counts).
  const evergate = await startTestEvergate({ configOverrides: { HOT_LINK_CACHE_MS: "2000" } });
  const user = await evergate.newUser("bench");
  const product = await evergate.createProduct(user, { filename: "bench file.bin" });
  const created = await evergate.request("POST", "/api/links", {
    token: user.token,
    json: { productId: product.id },
  });
  if (created.status !== 201) throw new Error(`POST /api/links: ${created.status} ${await created.text()}`);
  const { token } = (await created.json()) as { token: string };
  ready({ port: evergate.port, token });
  process.on("SIGTERM", () => void evergate.stop().then(() => process.exit(0)));
} else {
  throw new Error("usage: tsx bench/serve.ts evergate|bare");
}
