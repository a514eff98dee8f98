import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEvergate, type TestEvergate } from "../support/harness.ts";
import { bodyText, contentTypes, type IdPools, pathSegment, queryString } from "./arbitraries.ts";
import {
  type Answer,
  contractViolations,
  type Operation,
  operationFor,
  operations,
  seen,
} from "./contract.ts";
import {
  buildWorld,
  type RawRequest,
  runs,
  send,
  tableSnapshot,
  type World,
  writeCount,
} from "./fixtures.ts";

/**
 * Property tests over every operation of openapi.yaml: random and hostile path segments, query
 * strings, bodies, content types and credentials. Whatever comes in, the answer is documented
 * for the operation (or a generic 401/404/405), never a 5xx, an error is problem+json that
 * validates against the Problem schema, a success validates against its schema, a refused request
 * leaves the table as it was, and nothing reaches Object.prototype.
 */

let evergate: TestEvergate;
let world: World;
let ids: IdPools;
let baseline: string[];
let baselineWrites: number;
const fiveXx: string[] = [];

beforeAll(async () => {
  evergate = await startTestEvergate();
  world = await buildWorld(evergate);
  const upload = await evergate.upload(
    world.author,
    "deliverable",
    new Uint8Array([1, 2, 3]),
    "text/plain",
    "a.txt",
  );
  ids = {
    sixteen: [world.product.id, upload],
    pathValues: {
      id: [
        world.product.id,
        world.ownerLink.id,
        world.authorLink.id,
        world.keys.author.full.id,
        world.orderId,
        world.ownerFile,
      ],
      token: [world.ownerLink.token, world.authorLink.token],
    },
  };
  // Warm the keys' lastUsedAt (written at most once a minute) so a refused request writes nothing
  for (const key of [world.keys.author.full.key, world.keys.author.without["links:write"].key]) {
    await evergate.request("GET", "/api/me", { token: key });
  }
  baseline = await tableSnapshot(evergate, { withoutAccessLog: true });
  baselineWrites = writeCount(evergate);
});
afterAll(() => evergate?.stop());

const credentials = () =>
  fc.constantFrom<[string, Pick<RawRequest, "token" | "authorization">]>(
    ["anonymous", {}],
    ["author", { token: world.author.token }],
    ["owner", { token: world.owner.token }],
    ["stranger", { token: world.stranger.token }],
    ["author's key", { token: world.keys.author.full.key }],
    ["key without links:write", { token: world.keys.author.without["links:write"].key }],
    ["revoked key", { token: world.keys.author.revoked.key }],
    ["garbage bearer", { authorization: "Bearer x.y.z" }],
    ["basic auth", { authorization: "Basic dXNlcjpwYXNz" }],
    ["empty bearer", { authorization: "Bearer " }],
    ["malformed key", { authorization: "Bearer evk_AAAAAAAAAAAAAAAAAAAAAAAAAAAA" }],
  );

interface Attempt {
  path: string;
  who: string;
  auth: Pick<RawRequest, "token" | "authorization">;
  body?: string;
  contentType?: string;
}

function attempts(op: Operation): fc.Arbitrary<Attempt> {
  const segments = op.parameters.filter((p) => p.in === "path");
  const path = fc
    .tuple(fc.tuple(...segments.map((p) => pathSegment(p, ids))), queryString(op))
    .map(([values, query]) => {
      let concrete = op.path;
      segments.forEach((param, index) => {
        concrete = concrete.replace(`{${param.name}}`, values[index] ?? "");
      });
      return concrete + query;
    });
  const takesBody = op.bodySchema !== undefined || op.method === "POST" || op.method === "PATCH";
  return fc
    .record({
      path,
      auth: credentials(),
      body: takesBody ? fc.option(bodyText(op, ids), { nil: undefined, freq: 8 }) : fc.constant(undefined),
      contentType: contentTypes,
    })
    .map(({ path: p, auth: [who, auth], body, contentType }) => ({
      path: p,
      who,
      auth,
      body,
      contentType: body === undefined ? undefined : contentType,
    }));
}

/** Sends one attempt and checks everything the suite promises about its answer. */
async function check(op: Operation, attempt: Attempt): Promise<Answer> {
  const answer = await send(evergate, op.method, attempt.path, {
    ...attempt.auth,
    body: attempt.body,
    contentType: attempt.contentType,
  });
  const label = `${op.method} ${attempt.path.slice(0, 200)} as ${attempt.who} (${attempt.contentType}) ${String(
    attempt.body,
  ).slice(0, 200)} → ${answer.status} ${answer.body.slice(0, 300)}`;
  if (answer.status >= 500) fiveXx.push(label);
  expect(contractViolations(op, answer), label).toEqual([]);
  expect(({} as Record<string, unknown>).polluted, `Object.prototype polluted by ${label}`).toBeUndefined();
  await expectTableUnlessSuccess(answer, label);
  return answer;
}

/**
 * After a refusal the table must be as it was. Only a request that reached a DynamoDB write can
 * have changed it, so the full scan runs then, and after every success (which sets a new baseline).
 */
async function expectTableUnlessSuccess(answer: Answer, label: string) {
  await evergate.linkJobsSettled();
  await evergate.streamConsumer.idle();
  const writes = writeCount(evergate);
  if (answer.status < 400) {
    if (writes !== baselineWrites) baseline = await tableSnapshot(evergate, { withoutAccessLog: true });
  } else if (writes !== baselineWrites) {
    expect(
      await tableSnapshot(evergate, { withoutAccessLog: true }),
      `table changed by refused ${label}`,
    ).toEqual(baseline);
  }
  baselineWrites = writes;
}

/** Destructive operations last, so the others keep a world with its product, links, keys and order. */
const destructive = [
  "rotateLink",
  "revokeLink",
  "revokeApiKey",
  "refundOrder",
  "deleteProduct",
  "deleteFile",
  // A second rotation inside the overlap ends the world key's secret: nothing may come after it.
  "rotateApiKey",
];
const ordered = [...operations].sort(
  (a, b) => destructive.indexOf(a.operationId) - destructive.indexOf(b.operationId),
);

describe("random and hostile input on every operation of openapi.yaml", () => {
  for (const op of ordered) {
    it(`${op.method} ${op.path} (${op.operationId})`, async () => {
      await fc.assert(
        fc.asyncProperty(attempts(op), async (attempt) => {
          await check(op, attempt);
        }),
        { numRuns: runs(25), endOnFailure: true },
      );
    });
  }
});

const bodyOperations = operations.filter((op) => op.bodySchema !== undefined);

/** The operation's path with real ids of the world, so only the body can be what is wrong. */
function realPath(op: Operation): string {
  const id = op.path.startsWith("/api/links/")
    ? world.ownerLink.id
    : op.path.startsWith("/api/keys/")
      ? world.keys.author.full.id
      : op.path.startsWith("/api/orders/")
        ? world.orderId
        : op.path.startsWith("/api/files/")
          ? world.ownerFile
          : world.product.id;
  return op.path.replace("{id}", id);
}
const someCallers = () =>
  [
    ["anonymous", {}],
    ["author", { token: world.author.token }],
  ] as const;

describe("bodies the edge refuses before any handler runs", () => {
  it.each(bodyOperations.map((op) => [op.operationId, op] as const))(
    "%s: a body over MAX_BODY_BYTES is a 413, declared or chunked",
    async (_id, op) => {
      const max = evergate.config.MAX_BODY_BYTES;
      const huge = JSON.stringify({ title: "x".repeat(max + 10) });
      const path = realPath(op);
      for (const [who, auth] of someCallers()) {
        const declared = await check(op, { path, who, auth, body: huge, contentType: "application/json" });
        expect(declared.status).toBe(413);
        const chunks = new TextEncoder().encode(huge);
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < chunks.length; i += 8192) controller.enqueue(chunks.slice(i, i + 8192));
            controller.close();
          },
        });
        const chunked = await send(evergate, op.method, path, {
          ...auth,
          body: stream,
          contentType: "application/json",
        });
        expect(chunked.status, `${who} chunked`).toBe(413);
        expect(contractViolations(op, chunked)).toEqual([]);
      }
    },
  );

  it.each(bodyOperations.map((op) => [op.operationId, op] as const))(
    "%s: a body that is not JSON by its content type is a 415, also when it is empty",
    async (_id, op) => {
      const path = realPath(op);
      for (const body of ["{}", ""])
        for (const contentType of [
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          ...(body ? [""] : []),
        ]) {
          const answer = await check(op, {
            path,
            who: "author",
            auth: { token: world.author.token },
            body,
            contentType,
          });
          expect(answer.status, `${contentType} ${JSON.stringify(body)}`).toBe(415);
        }
    },
  );

  it.each(bodyOperations.map((op) => [op.operationId, op] as const))(
    "%s: malformed JSON is a 400 malformed_json",
    async (_id, op) => {
      const path = realPath(op);
      for (const body of ["{", '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":1}x']) {
        const answer = await check(op, {
          path,
          who: "author",
          auth: { token: world.author.token },
          body,
          contentType: "application/json",
        });
        expect(answer.status, body).toBe(400);
        expect(JSON.parse(answer.body).code, body).toBe("malformed_json");
      }
    },
  );
});

describe("what the runs covered", () => {
  it("exercised every operation and never answered a 5xx", () => {
    const uncovered = operations.filter((op) => !seen.has(op.operationId)).map((op) => op.operationId);
    expect(uncovered).toEqual([]);
    expect(fiveXx).toEqual([]);
    const summary = Object.fromEntries(
      [...seen].map(([id, statuses]) => [id, [...statuses].sort().join(",")]),
    );
    console.info("statuses seen per operation:", summary);
  });
});

describe("hostile file names and labels", () => {
  const post = (path: string, body: unknown) =>
    check(operationFor("POST", path) as Operation, {
      path,
      who: "author",
      auth: { token: world.author.token },
      body: JSON.stringify(body),
      contentType: "application/json",
    });

  it("CR/LF and control characters in labels, file names and recipients are a 400", async () => {
    for (const field of ["label", "filename", "recipient"]) {
      for (const value of ["a\r\nSet-Cookie: evil=1", "a\nb", "a\u0000b", "a\u2028b", "   "]) {
        const answer = await post("/api/links", { productId: world.product.id, [field]: value });
        expect(answer.status, `${field}=${JSON.stringify(value)}`).toBe(400);
        expect(JSON.parse(answer.body).errors[0].path).toBe(field);
      }
    }
    const upload = await post("/api/uploads", {
      kind: "deliverable",
      contentType: "text/plain",
      size: 1,
      filename: "x.txt\r\nX-Evil: 1",
    });
    expect(upload.status).toBe(400);
  });

  it("a traversal in a file name never reaches an S3 key or a header: the key is the server's, the name is cut to its last segment", async () => {
    const ticket = await post("/api/uploads", {
      kind: "deliverable",
      contentType: "text/plain",
      size: 1,
      filename: "../../../etc/passwd",
    });
    expect(ticket.status).toBe(201);
    const { url } = JSON.parse(ticket.body) as { url: string };
    expect(new URL(url).pathname).toMatch(/^\/[a-z0-9-]+\/pending\/[0-9A-Za-z]{16}$/);

    // A product of its own: the fuzz of DELETE /api/products/{id} may have deleted the world's
    const product = await evergate.createProduct(world.author, { title: "Names" });
    const link = await post("/api/links", {
      productId: product.id,
      filename: "..\\..\\windows\\evil.exe",
    });
    expect(link.status).toBe(201);
    const redirect = await send(evergate, "GET", `/l/${(JSON.parse(link.body) as { token: string }).token}`);
    const disposition = new URL(redirect.headers.get("location") ?? "").searchParams.get(
      "response-content-disposition",
    );
    expect(disposition).toBe(`attachment; filename="evil.exe"; filename*=UTF-8''evil.exe`);
  });
});
