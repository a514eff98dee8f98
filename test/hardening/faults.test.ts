import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepGarbage } from "#src/services/products.ts";
import { startTestEvergate, type TestEvergate, testPng } from "../support/harness.ts";
import { strictS3FromEnv } from "../support/strict-s3.ts";
import { type Answer, contractViolations, operationFor } from "./contract.ts";
import {
  buildWorld,
  type CreatedLink,
  createLink,
  send,
  soaking,
  tableSnapshot,
  type World,
} from "./fixtures.ts";

/**
 * The DynamoDB or S3 stand-in goes away mid-run (port closed, or worse: it accepts connections and
 * never answers) and comes back on the same port with its data. Meanwhile every request answers
 * 503 problem+json with Retry-After within the SDK's bounds (timeout × attempts), the process keeps
 * serving, nothing half-written is left, and afterwards everything works again.
 */

// Short SDK limits keep the fast run fast; the soak run uses the production defaults.
const TIMEOUT_MS = soaking ? 2_000 : 400;
const ATTEMPTS = 2;
/** A request may take the SDK's timeout per attempt plus retry backoff and our own work. */
const BOUND_MS = TIMEOUT_MS * ATTEMPTS + 1_000;

let evergate: TestEvergate;
let world: World;
let link: CreatedLink;
const crashes: unknown[] = [];
const onCrash = (error: unknown) => crashes.push(error);

beforeAll(async () => {
  process.on("unhandledRejection", onCrash);
  process.on("uncaughtException", onCrash);
  evergate = await startTestEvergate({
    configOverrides: { AWS_TIMEOUT_MS: String(TIMEOUT_MS), AWS_MAX_ATTEMPTS: String(ATTEMPTS) },
  });
  world = await buildWorld(evergate);
  link = await createLink(evergate, world.owner, { productId: world.product.id });
});
afterAll(async () => {
  process.off("unhandledRejection", onCrash);
  process.off("uncaughtException", onCrash);
  await evergate?.stop();
});

interface Sample extends Answer {
  route: string;
  ms: number;
}

const routes = () =>
  [
    ["GET /l/{token}", "GET", `/l/${link.token}`, undefined],
    ["GET /api/products", "GET", "/api/products", undefined],
    ["GET /api/links", "GET", "/api/links", world.owner.token],
  ] as const;

async function timed(route: string, method: string, path: string, token?: string): Promise<Sample> {
  const started = performance.now();
  const answer = await send(evergate, method, path, { token });
  return { ...answer, route, ms: performance.now() - started };
}

/** Keeps `concurrency` clients calling the routes until stop() is called; collects every answer. */
function traffic(concurrency = 4) {
  const samples: Sample[] = [];
  let running = true;
  const clients = Array.from({ length: concurrency }, async (_, client) => {
    for (let i = client; running; i++) {
      const [route, method, path, token] = routes()[i % 3] ?? routes()[0];
      samples.push(await timed(route, method, path, token));
    }
  });
  return {
    samples,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      return samples;
    },
  };
}

function expectOnlySuccessOr503(samples: Sample[]) {
  for (const sample of samples) {
    expect([200, 302, 503], `${sample.route} → ${sample.status} ${sample.body}`).toContain(sample.status);
    if (sample.status === 503) {
      expect(sample.contentType).toBe("application/problem+json");
      expect(sample.headers.get("retry-after")).toBe("5");
      expect(JSON.parse(sample.body)).toMatchObject({ status: 503, code: "service_unavailable" });
    }
    const op = operationFor(
      sample.route.split(" ")[0] ?? "GET",
      sample.route.split(" ")[1]?.replace("{token}", "x") ?? "",
    );
    if (op) expect(contractViolations(op, sample, { dependencyDown: true })).toEqual([]);
    expect(sample.ms, `${sample.route} took ${Math.round(sample.ms)} ms`).toBeLessThan(BOUND_MS);
  }
}

async function untilAllSucceed() {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answers = await Promise.all(
      routes().map(([route, method, path, token]) => timed(route, method, path, token)),
    );
    if (answers.every((a) => a.status < 400)) return answers;
    if (Date.now() > deadline)
      throw new Error(`still failing: ${answers.map((a) => `${a.route} ${a.status}`)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const keysOf = (snapshot: string[]) =>
  snapshot.map((item) => {
    const { pk, sk } = JSON.parse(item) as { pk: string; sk: string };
    return `${pk} ${sk}`;
  });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("DynamoDB goes away and comes back", () => {
  it("port closed: 503 + Retry-After quickly, writes refused whole, then everything works again", async () => {
    const imageUploadId = await evergate.upload(world.author, "promoImage", testPng, "image/png", "f.png");
    const deliverableUploadId = await evergate.upload(
      world.author,
      "deliverable",
      new Uint8Array([1]),
      "text/plain",
      "f.txt",
    );
    const productBody = JSON.stringify({
      title: "Made during an outage",
      description: "d",
      price: { amount: 1, currency: "EUR" },
      imageUploadId,
      deliverableUploadId,
    });
    const stranger = await evergate.newUser("outage");
    const before = keysOf(await tableSnapshot(evergate, { withoutAccessLog: true }));

    const load = traffic();
    await pause(300);
    await evergate.stack.restartable.dynamo.stop();
    const writes = await Promise.all([
      send(evergate, "POST", "/api/links", {
        token: world.owner.token,
        body: JSON.stringify({ productId: world.product.id }),
        contentType: "application/json",
      }),
      send(evergate, "POST", `/api/products/${world.product.id}/orders`, { token: stranger.token }),
      send(evergate, "POST", "/api/products", {
        token: world.author.token,
        body: productBody,
        contentType: "application/json",
      }),
      send(evergate, "GET", "/api/health"),
    ]);
    await pause(soaking ? 5_000 : 1_000);
    await evergate.stack.restartable.dynamo.start();
    await untilAllSucceed();
    const samples = await load.stop();

    expect(writes.map((w) => w.status)).toEqual([503, 503, 503, 503]);
    for (const write of writes) expect(write.headers.get("retry-after")).toBe("5");
    expect(JSON.parse(writes[3]?.body ?? "{}")).toMatchObject({
      dependencies: { dynamodb: "down", s3: "up" },
    });
    expectOnlySuccessOr503(samples);
    expect(samples.filter((s) => s.status === 503).length).toBeGreaterThan(0);
    const slowest = Math.max(...samples.map((s) => s.ms));
    console.info(
      `DynamoDB down: ${samples.length} requests, ${samples.filter((s) => s.status === 503).length} answered 503, ` +
        `slowest ${Math.round(slowest)} ms (bound ${BOUND_MS} ms)`,
    );
    // No link, order or product appeared from the refused writes
    expect(keysOf(await tableSnapshot(evergate, { withoutAccessLog: true }))).toEqual(before);
    // The data survived the restart, and the refused writes now go through with the same uploads
    const retried = await send(evergate, "POST", "/api/products", {
      token: world.author.token,
      body: productBody,
      contentType: "application/json",
    });
    expect(retried.status).toBe(201);
    expect(
      (await send(evergate, "POST", `/api/products/${world.product.id}/orders`, { token: stranger.token }))
        .status,
    ).toBe(201);
    expect(crashes).toEqual([]);
  });

  it("accepts connections but never answers: every request still ends in 503 within the SDK bound", async () => {
    const port = Number(new URL(evergate.stack.dynamoEndpoint).port);
    await evergate.stack.restartable.dynamo.stop();
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => blackHole.listen(port, "127.0.0.1", resolve));
    try {
      const samples = await Promise.all(
        [...routes(), ...routes()].map(([route, method, path, token]) => timed(route, method, path, token)),
      );
      for (const sample of samples) expect(sample.status, sample.route).toBe(503);
      expectOnlySuccessOr503(samples);
      const slowest = Math.max(...samples.map((s) => s.ms));
      console.info(
        `DynamoDB hanging: slowest answer ${Math.round(slowest)} ms (timeout ${TIMEOUT_MS} × ${ATTEMPTS})`,
      );
      // It did wait for the timeout (so the bound is the SDK's, not luck)
      expect(slowest).toBeGreaterThanOrEqual(TIMEOUT_MS);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
      await evergate.stack.restartable.dynamo.start();
    }
    await untilAllSucceed();
    expect(crashes).toEqual([]);
  });
});

describe.skipIf(strictS3FromEnv() !== undefined)("S3 goes away and comes back", () => {
  it("health says s3 down (503), links still redirect (presigning is local), uploads wait, nothing lost", async () => {
    const imageUploadId = await evergate.upload(world.author, "promoImage", testPng, "image/png", "s.png");
    const deliverableUploadId = await evergate.upload(
      world.author,
      "deliverable",
      new Uint8Array([2]),
      "text/plain",
      "s.txt",
    );
    const body = JSON.stringify({
      title: "Made while S3 was down",
      description: "d",
      price: { amount: 1, currency: "EUR" },
      imageUploadId,
      deliverableUploadId,
    });
    const before = keysOf(await tableSnapshot(evergate, { withoutAccessLog: true }));
    await evergate.stack.restartable.s3.stop();
    try {
      const health = await timed("GET /api/health", "GET", "/api/health");
      expect(health.status).toBe(503);
      expect(health.headers.get("retry-after")).toBe("5");
      expect(JSON.parse(health.body)).toMatchObject({
        status: "degraded",
        dependencies: { s3: "down", dynamodb: "up" },
      });
      expect((await send(evergate, "GET", `/l/${link.token}`)).status).toBe(302);
      const refused = await send(evergate, "POST", "/api/products", {
        token: world.author.token,
        body,
        contentType: "application/json",
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(health.ms).toBeLessThan(BOUND_MS);
    } finally {
      await evergate.stack.restartable.s3.start();
    }
    const afterOutage = await tableSnapshot(evergate, { withoutAccessLog: true });
    expect(keysOf(afterOutage).filter((key) => !before.includes(key))).toEqual([]);
    expect((await send(evergate, "GET", "/api/health")).status).toBe(200);
    const created = await send(evergate, "POST", "/api/products", {
      token: world.author.token,
      body,
      contentType: "application/json",
    });
    expect(created.status).toBe(201);
    expect(crashes).toEqual([]);
  });

  it("S3 dies between claiming the uploads and copying them: no product, and the sweeper removes the rest", async () => {
    const imageUploadId = await evergate.upload(world.author, "promoImage", testPng, "image/png", "m.png");
    const deliverableUploadId = await evergate.upload(
      world.author,
      "deliverable",
      new Uint8Array([3]),
      "text/plain",
      "m.txt",
    );
    const pending = await Promise.all(
      [imageUploadId, deliverableUploadId].map(
        async (id) => (await evergate.deps.stores.uploads.get(id))?.pendingKey ?? "",
      ),
    );
    const products = (snapshot: string[]) => keysOf(snapshot).filter((key) => key.endsWith(" PRODUCT"));
    const productsBefore = products(await tableSnapshot(evergate, { withoutAccessLog: true }));
    // The first UpdateItem of a create is the claim of the image upload: S3 goes down right then
    const unsubscribe = evergate.stack.onDynamoRequest((operation) => {
      if (operation === "UpdateItem") {
        unsubscribe();
        void evergate.stack.restartable.s3.stop();
      }
    });
    let answer: Answer;
    try {
      answer = await send(evergate, "POST", "/api/products", {
        token: world.author.token,
        body: JSON.stringify({
          title: "Half made",
          description: "d",
          price: { amount: 1, currency: "EUR" },
          imageUploadId,
          deliverableUploadId,
        }),
        contentType: "application/json",
      });
    } finally {
      unsubscribe();
      await evergate.stack.restartable.s3.start();
    }
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("5");
    expect(products(await tableSnapshot(evergate, { withoutAccessLog: true }))).toEqual(productsBefore);
    const claimed = await evergate.deps.stores.uploads.get(imageUploadId);
    expect(claimed?.claim).toBeDefined();

    const later = { ...evergate.deps, clock: () => new Date(Date.now() + 3 * 3600_000) };
    await sweepGarbage(later);
    for (const id of [imageUploadId, deliverableUploadId]) {
      expect(await evergate.deps.stores.uploads.get(id)).toBeNull();
    }
    for (const key of [...pending, claimed?.claim?.targetKey ?? ""]) {
      expect(await evergate.deps.files.head(key)).toBeNull();
    }
    expect(crashes).toEqual([]);
  });
});
