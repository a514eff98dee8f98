import {
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Dimensions, MetricName, Metrics } from "#src/metrics/metrics.ts";
import { createDynamoClient } from "./dynamo-client.ts";

type Sent = Record<string, string>;

/** An HTTP layer that records what the client sends and answers an empty item. */
function recordingHandler(sent: Sent[]) {
  return {
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const body = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : request.body;
      sent.push({ ...request.headers, body: String(body) });
      return {
        response: {
          statusCode: 200,
          headers: { "content-type": "application/x-amz-json-1.0" },
          body: new TextEncoder().encode("{}"),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

/** A role's session credentials, about to expire: the SDK refreshes them before every call. */
function rotatingCredentials() {
  let call = 0;
  return async () => {
    call += 1;
    return {
      accessKeyId: `ASIA${call}`,
      secretAccessKey: `secret/${call}`,
      sessionToken: `session${call}`,
      expiration: new Date(Date.now() + 1000),
    };
  };
}

const commands = () => [
  new GetItemCommand({ TableName: "evergate", Key: { pk: { S: "LINK#a" }, sk: { S: "LINK" } } }),
  new UpdateItemCommand({
    TableName: "evergate",
    Key: { pk: { S: "LINK#ü/ &x" }, sk: { S: "LINK" } },
    UpdateExpression: "SET downloadCount = downloadCount + :one",
    ExpressionAttributeValues: { ":one": { N: "1" } },
    ReturnValues: "ALL_NEW",
  }),
];

async function signedBy(build: (config: DynamoDBClientConfig) => DynamoDBClient) {
  const sent: Sent[] = [];
  const client = build({
    region: "eu-west-1",
    credentials: rotatingCredentials(),
    requestHandler: recordingHandler(sent) as never,
  });
  // Two days, so a signing key cached from the first day must not sign the second.
  for (const day of ["2026-11-24T23:59:59Z", "2026-11-25T00:00:01Z"]) {
    vi.setSystemTime(new Date(day));
    for (const command of commands()) await client.send(command as never);
  }
  return sent.map(({ authorization, "x-amz-date": date, "x-amz-security-token": session, body }) => ({
    authorization,
    date,
    session,
    body,
  }));
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("createDynamoClient", () => {
  it("signs every request exactly as the SDK's own per-request signer does", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    // The SDK signs its random invocation id too: pin it so two clients can be compared.
    vi.spyOn(crypto, "randomUUID").mockReturnValue("00000000-0000-4000-8000-000000000000");
    const ours = await signedBy(createDynamoClient);
    const sdk = await signedBy((config) => new DynamoDBClient(config));
    expect(ours).toHaveLength(4);
    // Four keys, two days: nothing cached across a key or a day.
    expect(new Set(ours.map((request) => request.authorization?.split(", ")[0])).size).toBe(4);
    expect(ours).toEqual(sdk);
  });

  it("records DynamoDB's latency and throttles per attempt, so a throttle the SDK retried away still counts", async () => {
    // Prepare: DynamoDB refuses twice for throughput, then answers
    const recorded: Array<[MetricName, number, Dimensions?]> = [];
    const metrics: Metrics = { add: (...value) => recorded.push([...value] as never), endInvocation() {} };
    const answers = [throttled(), throttled()];
    const client = createDynamoClient(
      {
        region: "eu-west-1",
        credentials: { accessKeyId: "AKIA", secretAccessKey: "secret" },
        maxAttempts: 3,
        requestHandler: {
          async handle() {
            return { response: answers.shift() ?? ok() };
          },
          updateHttpClientConfig() {},
          httpHandlerConfigs: () => ({}),
        } as never,
      },
      metrics,
    );
    // Act
    await client.send(commands()[0] as never);
    // Assess
    const named = (name: MetricName) => recorded.filter(([recordedName]) => recordedName === name);
    expect(named("DynamoDBThrottles")).toEqual([
      ["DynamoDBThrottles", 1, { Operation: "GetItem" }],
      ["DynamoDBThrottles", 1, { Operation: "GetItem" }],
    ]);
    expect(named("DynamoDBLatency").map(([, ms, dimensions]) => [ms >= 0, dimensions])).toEqual([
      [true, { Operation: "GetItem" }],
      [true, { Operation: "GetItem" }],
      [true, { Operation: "GetItem" }],
    ]);
  }, 20_000);
});

const ok = () => ({
  statusCode: 200,
  headers: { "content-type": "application/x-amz-json-1.0" },
  body: new TextEncoder().encode("{}"),
});
const throttled = () => ({
  statusCode: 400,
  headers: { "content-type": "application/x-amz-json-1.0" },
  body: new TextEncoder().encode(
    JSON.stringify({
      __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
      message: "slow down",
    }),
  ),
});
