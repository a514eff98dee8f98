import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpWebhookSender } from "./http-webhook-sender.ts";

let server: Server;
let port: number;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    hits.push(`${request.headers.host} ${request.url}`);
    response.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const resolvesTo = (addresses: string[]) => async () => addresses;

describe("httpWebhookSender (SSRF)", () => {
  it("connects to the address it checked: a name is resolved once, by its own lookup", async () => {
    hits.length = 0;
    const send = httpWebhookSender({
      allowLoopback: true,
      timeoutMs: 2000,
      resolve: resolvesTo(["127.0.0.1"]),
    });
    const answer = await send(`http://hooks.example.test:${port}/in`, {}, "{}");
    expect(answer).toMatchObject({ status: 200 });
    expect(hits).toEqual([`hooks.example.test:${port} /in`]);
  });

  it.each([
    ["a private address", ["10.0.0.7"]],
    ["the metadata service", ["169.254.169.254"]],
    ["one private among public ones", ["8.8.8.8", "192.168.1.1"]],
    ["loopback when loopback is not allowed", ["127.0.0.1"]],
    ["IPv6 loopback", ["::1"]],
    ["IPv4-mapped loopback", ["::ffff:127.0.0.1"]],
  ])("refuses a name that resolves to %s, before any connection", async (_what, addresses) => {
    hits.length = 0;
    const send = httpWebhookSender({ allowLoopback: false, timeoutMs: 2000, resolve: resolvesTo(addresses) });
    const answer = await send(`https://hooks.example.test:${port}/in`, {}, "{}");
    expect(answer.status).toBeUndefined();
    expect(answer.error).toMatch(/^blocked/);
    expect(hits).toEqual([]);
  });

  it("refuses literal private addresses and plain http in a deployment", async () => {
    const send = httpWebhookSender({
      allowLoopback: false,
      timeoutMs: 2000,
      resolve: resolvesTo(["8.8.8.8"]),
    });
    for (const url of [
      `http://127.0.0.1:${port}/in`,
      "https://10.1.1.1/in",
      "https://[fd00:ec2::254]/",
      "http://example.com/",
    ]) {
      expect((await send(url, {}, "{}")).error, url).toMatch(/^blocked/);
    }
    expect(hits).toEqual([]);
  });
});
