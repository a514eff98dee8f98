import { createRequire } from "node:module";
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DownloadHit, GRACE_SLOTS, graceSlotOf } from "#src/domain/download-hit.ts";
import { DependencyUnavailableError } from "#src/domain/errors.ts";
import type { Link } from "#src/domain/link.ts";
import { decideRefusedHit, type HitOutcome } from "#src/gateway/decide-hit.ts";
import { describeOutcome, hitCases, ME, NOW, OTHER, REQUEST } from "#src/gateway/hit-cases.ts";
import { dynamoLinkStore } from "#src/storage/dynamo-links.ts";
import { DynamoTable } from "#src/storage/dynamo-table.ts";
import type { LinkStore } from "#src/storage/ports.ts";
import { startTestEvergate, type TestEvergate } from "../support/harness.ts";

/**
 * The gateway's one conditional write per hit, against the DynamoDB stand-in: the decision table
 * run through the real condition, the stand-in's ReturnValuesOnConditionCheckFailure, the grace
 * window, and a write whose response is lost after it applied.
 */
let evergate: TestEvergate;
let raw: DynamoDBClient;
let store: LinkStore;
let serial = 0;

const keyOf = (id: string) => ({ pk: { S: `LINK#${id}` }, sk: { S: "LINK" } });

function storeWith(requestHandler: NodeHttpHandler | { handle: NodeHttpHandler["handle"] }, maxAttempts = 2) {
  const client = new DynamoDBClient({
    region: evergate.config.AWS_REGION,
    endpoint: evergate.config.DYNAMODB_ENDPOINT,
    credentials: evergate.stack.credentials,
    maxAttempts,
    requestHandler: requestHandler as NodeHttpHandler,
  });
  return { client, store: dynamoLinkStore(new DynamoTable(client, evergate.config.TABLE_NAME)) };
}

async function putLink(fields: Partial<Link> = {}): Promise<Link> {
  serial += 1;
  const link: Link = {
    id: `hit-${Date.now()}-${serial}`,
    ownerId: "owner",
    productId: "product",
    productTitle: "A product",
    objectKey: "files/product/key",
    defaultFilename: "file.bin",
    tokenHint: "abcd",
    createdAt: new Date(NOW.getTime() - 3_600_000).toISOString(),
    downloadCount: 0,
    ...fields,
  };
  await store.put(link, 1000);
  return link;
}

async function setSlot(id: string, client: string, until: number, request: string) {
  const slot = graceSlotOf(client);
  await raw.send(
    new UpdateItemCommand({
      TableName: evergate.config.TABLE_NAME,
      Key: keyOf(id),
      UpdateExpression: `SET gc${slot} = :c, gu${slot} = :u, gr${slot} = :r`,
      ExpressionAttributeValues: { ":c": { S: client }, ":u": { N: String(until) }, ":r": { S: request } },
    }),
  );
}

async function rawItem(id: string): Promise<Record<string, AttributeValue> | undefined> {
  return (
    await raw.send(
      new GetItemCommand({ TableName: evergate.config.TABLE_NAME, Key: keyOf(id), ConsistentRead: true }),
    )
  ).Item;
}

const count = async (id: string) => (await store.get(id))?.downloadCount;

const hitAt = (seconds: number, fields: Partial<DownloadHit> = {}): DownloadHit => ({
  method: "POST",
  client: ME,
  requestId: `req-${Math.random().toString(36).slice(2)}`,
  now: new Date(NOW.getTime() + seconds * 1000),
  defaultGraceSeconds: 900,
  ...fields,
});

async function outcomeOf(id: string, hit: DownloadHit): Promise<HitOutcome> {
  const result = await store.hit(id, hit);
  return result.counted
    ? { kind: "serve", link: result.link, counted: true }
    : decideRefusedHit(result.link, result.slot, hit);
}

beforeAll(async () => {
  evergate = await startTestEvergate();
  raw = new DynamoDBClient({
    region: evergate.config.AWS_REGION,
    endpoint: evergate.config.DYNAMODB_ENDPOINT,
    credentials: evergate.stack.credentials,
  });
  store = evergate.deps.stores.links;
});
afterAll(async () => {
  raw?.destroy();
  await evergate?.stop();
});

describe("the DynamoDB stand-in's ReturnValuesOnConditionCheckFailure (as DynamoDB)", () => {
  const update = (id: string, returnOnFailure?: string) =>
    raw.send(
      new UpdateItemCommand({
        TableName: evergate.config.TABLE_NAME,
        Key: keyOf(id),
        UpdateExpression: "SET downloadCount = downloadCount + :one",
        ConditionExpression: "attribute_exists(pk) AND downloadCount < :zero",
        ExpressionAttributeValues: { ":one": { N: "1" }, ":zero": { N: "0" } },
        ...(returnOnFailure
          ? { ReturnValuesOnConditionCheckFailure: returnOnFailure as "ALL_OLD" | "NONE" }
          : {}),
      }),
    );

  it("hands the item as it was to the SDK on a refused write with ALL_OLD", async () => {
    const link = await putLink({ downloadCount: 3, label: "été" });
    const error = await update(link.id, "ALL_OLD").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    const item = (error as ConditionalCheckFailedException).Item;
    expect(item?.downloadCount).toEqual({ N: "3" });
    expect(item?.label).toEqual({ S: "été" });
    expect(item?.pk).toEqual({ S: `LINK#${link.id}` });
  });

  it("hands back no Item when there is no item, with NONE, or without the parameter", async () => {
    const link = await putLink();
    for (const [id, parameter] of [
      ["no-such-link", "ALL_OLD"],
      [link.id, "NONE"],
      [link.id, undefined],
    ] as const) {
      const error = await update(id, parameter).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConditionalCheckFailedException);
      expect((error as ConditionalCheckFailedException).Item).toBeUndefined();
    }
  });

  it("refuses a value DynamoDB does not know, as DynamoDB does", async () => {
    const link = await putLink();
    const error = (await update(link.id, "ALL_NEW").catch((caught: unknown) => caught)) as Error;
    expect(error.name).toBe("ValidationException");
    expect(error.message).toContain("returnValuesOnConditionCheckFailure");
    expect(error.message).toContain("[ALL_OLD, NONE]");
  });
});

describe("one table of cases through DynamoDB's condition and the decision", () => {
  for (const testCase of hitCases) {
    it(`${testCase.method} ${testCase.name} → ${testCase.expected}`, async () => {
      const built = testCase.build();
      if (built.link === null) {
        expect(describeOutcome(await outcomeOf(`missing-${serial++}`, built.hit))).toBe(testCase.expected);
        return;
      }
      const { id: _caseId, ...fields } = built.link;
      const link = await putLink(fields);
      if (built.slot) await setSlot(link.id, built.slot.client, built.slot.until, built.slot.request);
      const before = link.downloadCount;
      const outcome = await outcomeOf(link.id, built.hit);
      expect(describeOutcome(outcome)).toBe(testCase.expected);
      // Counted only by a write that applied now; "count" from a slot naming this request was an earlier one.
      const applied = testCase.expected === "count" && built.slot?.request !== REQUEST ? 1 : 0;
      expect(await count(link.id)).toBe(before + applied);
      // A device limit binds the client in that same write; nothing else does.
      const bound = (await store.get(link.id))?.boundClients ?? [];
      expect(bound.includes(ME)).toBe(
        (applied === 1 && built.hit.checked?.bindClient === true) ||
          (built.link.boundClients ?? []).includes(ME),
      );
    });
  }
});

describe("the resume grace", () => {
  it("serves the same client again without counting, does not slide, and counts after the window", async () => {
    const link = await putLink({ maxDownloads: 3 });
    expect((await store.hit(link.id, hitAt(0))).counted).toBe(true);
    for (const seconds of [1, 300, 600, 899]) {
      expect(describeOutcome(await outcomeOf(link.id, hitAt(seconds)))).toBe("serve uncounted");
    }
    expect(await count(link.id)).toBe(1);
    // The uncounted hits at 300–899 s did not move the window: at 900 s it is over.
    expect(describeOutcome(await outcomeOf(link.id, hitAt(900)))).toBe("count");
    expect(await count(link.id)).toBe(2);
  });

  it("is another client's turn to count, and a per-link graceSeconds (0 = off) replaces the default", async () => {
    const link = await putLink({ maxDownloads: 1 });
    expect((await store.hit(link.id, hitAt(0))).counted).toBe(true);
    expect(describeOutcome(await outcomeOf(link.id, hitAt(5, { client: OTHER })))).toBe("410 exhausted");
    expect(describeOutcome(await outcomeOf(link.id, hitAt(5)))).toBe("serve uncounted");

    const off = await putLink({ maxDownloads: 2, graceSeconds: 0 });
    expect((await store.hit(off.id, hitAt(0))).counted).toBe(true);
    expect((await store.hit(off.id, hitAt(0.001))).counted).toBe(true);
    expect(describeOutcome(await outcomeOf(off.id, hitAt(0.002)))).toBe("410 exhausted");

    const short = await putLink({ graceSeconds: 10 });
    expect((await store.hit(short.id, hitAt(0))).counted).toBe(true);
    expect((await store.hit(short.id, hitAt(9))).counted).toBe(false);
    expect((await store.hit(short.id, hitAt(10))).counted).toBe(true);
  });

  it("keeps the item bounded: every slot taken still costs 1 WCU per write (item < 1 KB)", async () => {
    const require = createRequire(import.meta.url);
    const { itemSize } = require("dynalite/db") as { itemSize(item: unknown): number };
    const link = await putLink({
      maxDownloads: 1_000_000,
      filename: "A fairly long file name for a deliverable, as people write them (final).pdf",
      label: "A label of a reasonable length for a link",
      expiresAt: new Date(NOW.getTime() + 86_400_000).toISOString(),
    });
    const clients = Array.from({ length: 40 }, (_, n) => `client-${String(n).padStart(9, "0")}`);
    for (const client of clients) await store.hit(link.id, hitAt(1, { client }));
    expect(await count(link.id)).toBe(40);
    const item = await rawItem(link.id);
    const slots = Object.keys(item ?? {}).filter((name) => /^gc\d$/.test(name));
    expect(slots.length).toBe(GRACE_SLOTS);
    expect(itemSize(item)).toBeLessThan(1024);
    // The slots never reach the domain's Link (nor so the links API).
    expect(Object.keys((await store.get(link.id)) ?? {}).filter((name) => /^g[cur]\d$/.test(name))).toEqual(
      [],
    );
  });
});

describe("counting under concurrency, at the store", () => {
  // What is measured is the count, not latency: a patient client, so a busy machine cannot turn
  // a queued write into a timeout.
  let patient: ReturnType<typeof storeWith>;
  beforeAll(() => {
    patient = storeWith(new NodeHttpHandler({ requestTimeout: 60_000, connectionTimeout: 60_000 }), 1);
  });
  afterAll(() => patient?.client.destroy());
  const patientOutcome = async (id: string, hit: DownloadHit): Promise<HitOutcome> => {
    const result = await patient.store.hit(id, hit);
    return result.counted
      ? { kind: "serve", link: result.link, counted: true }
      : decideRefusedHit(result.link, result.slot, hit);
  };

  it("50 concurrent hits by one client count 1, all served", async () => {
    const link = await putLink({ maxDownloads: 10 });
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => patientOutcome(link.id, hitAt(0))));
    expect(outcomes.filter((o) => o.kind === "serve").length).toBe(50);
    expect(outcomes.filter((o) => o.kind === "serve" && o.counted).length).toBe(1);
    expect(await count(link.id)).toBe(1);
  }, 120_000);

  it("k + 5 distinct clients on a maxDownloads k link: exactly k count, 5 are told it is used up", async () => {
    const k = 40;
    const link = await putLink({ maxDownloads: k });
    const outcomes = await Promise.all(
      Array.from({ length: k + 5 }, (_, n) =>
        outcomeOf(link.id, hitAt(0, { client: `distinct-client-${n}` })),
      ),
    );
    expect(outcomes.map(describeOutcome).sort()).toEqual([
      ...Array.from({ length: 5 }, () => "410 exhausted"),
      ...Array.from({ length: k }, () => "count"),
    ]);
    expect(await count(link.id)).toBe(k);
  }, 120_000);
});

describe("a counted write whose response is lost", () => {
  /** Forwards every request; the first UpdateItem's response is dropped after DynamoDB applied it. */
  function losingFirstResponse() {
    const inner = new NodeHttpHandler();
    let updates = 0;
    return {
      handler: {
        async handle(request: Parameters<NodeHttpHandler["handle"]>[0]) {
          const response = await inner.handle(request);
          if (request.headers["x-amz-target"]?.endsWith(".UpdateItem") && ++updates === 1) {
            await response.response.body?.destroy?.();
            throw Object.assign(new Error("socket timed out after the write applied"), {
              name: "TimeoutError",
            });
          }
          return response;
        },
      },
      updates: () => updates,
      destroy: () => inner.destroy(),
    };
  }

  it("is retried by the SDK and counted once, even with the grace off (the write carries the hit's id)", async () => {
    for (const graceSeconds of [900, 0]) {
      const link = await putLink({ maxDownloads: 5, graceSeconds });
      const losing = losingFirstResponse();
      const { client, store: flaky } = storeWith(losing.handler);
      const hit = hitAt(0);
      const result = await flaky.hit(link.id, hit);
      expect(losing.updates()).toBe(2);
      expect(result.counted).toBe(false);
      if (result.counted) continue;
      expect(describeOutcome(decideRefusedHit(result.link, result.slot, hit))).toBe("count");
      expect(await count(link.id)).toBe(1);
      client.destroy();
      losing.destroy();
    }
  });

  it("answers 503 when no attempt is left, and the client's retry inside the grace does not count again", async () => {
    const link = await putLink({ maxDownloads: 1 });
    const losing = losingFirstResponse();
    const { client, store: flaky } = storeWith(losing.handler, 1);
    const error = await flaky.hit(link.id, hitAt(0)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(await count(link.id)).toBe(1);
    // The person retries (a new request, a new id): served from the grace, still 1.
    expect(describeOutcome(await outcomeOf(link.id, hitAt(20)))).toBe("serve uncounted");
    expect(await count(link.id)).toBe(1);
    client.destroy();
    losing.destroy();
  });
});
