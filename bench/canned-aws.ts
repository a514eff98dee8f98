/**
 * In-process stand-ins for the SDK clients' HTTP layer: each request is counted by service and
 * answered with a canned body, so a benchmark measures the app and the SDK, not a network.
 * Plain objects on purpose: the bundle under test carries its own copy of the SDK.
 */
export interface CannedRequest {
  hostname: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface CountingHandler {
  handle(
    request: CannedRequest,
  ): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }>;
  updateHttpClientConfig(): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
  /** DynamoDB calls a request made, and hot-link flushes (background, not the request's) apart. */
  counts: { dynamodb: number; s3: number; flushes: number; operations: string[] };
  reset(): void;
}

/** The SDK hands the JSON body over as a string or as bytes (a Uint8Array subclass). */
const bodyText = (body: unknown): string =>
  typeof body === "string" ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : "{}";

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** A link as DynamoDB returns it (ALL_NEW after the download was counted). */
export function linkItem(id: string, fields: Record<string, { S: string } | { N: string }> = {}) {
  return {
    ...fields,
    pk: { S: `LINK#${id}` },
    sk: { S: "LINK" },
    id: { S: id },
    ownerId: { S: "8f1c2a4e-1111-4222-8333-944455556666" },
    productId: { S: "prd_bench0000000000000000" },
    productTitle: { S: "Field recordings, vol. 2" },
    objectKey: { S: "deliverables/prd_bench0000000000000000/v3/field recordings vol 2 (final).zip" },
    defaultFilename: { S: "Field recordings vol. 2 – final.zip" },
    tokenHint: { S: "evg_…Xk2" },
    createdAt: { S: "2025-01-02T03:04:05.000Z" },
    downloadCount: { N: "42" },
    lastDownloadAt: { S: new Date().toISOString() },
  };
}

/**
 * Answers DynamoDB as it would for three links: `linkId` (no limit: every conditional write
 * applies), `limitedId` (maxDownloads 1000: a GET's write is refused and hands back the item, as
 * ReturnValuesOnConditionCheckFailure ALL_OLD does; a POST's applies) and any other id (no item).
 */
export function cannedAws(linkId: string, limitedId = "limited"): CountingHandler {
  const counts = { dynamodb: 0, s3: 0, flushes: 0, operations: [] as string[] };
  const jsonHeaders = { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "bench" };
  const limited = linkItem(limitedId, { maxDownloads: { N: "1000" } });
  const items: Record<string, ReturnType<typeof linkItem>> = {
    [`LINK#${linkId}`]: linkItem(linkId),
    [`LINK#${limitedId}`]: limited,
  };
  const refused = (item: unknown) => ({
    response: {
      statusCode: 400,
      headers: jsonHeaders,
      body: json({
        __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        message: "The conditional request failed",
        ...(item ? { Item: item } : {}),
      }),
    },
  });
  return {
    counts,
    reset() {
      counts.dynamodb = 0;
      counts.s3 = 0;
      counts.flushes = 0;
      counts.operations.length = 0;
    },
    async handle(request) {
      const target = request.headers["x-amz-target"];
      if (target?.startsWith("DynamoDB_")) {
        const operation = target.slice(target.indexOf(".") + 1);
        const input = JSON.parse(bodyText(request.body)) as {
          Key?: { pk?: { S?: string } };
          ConditionExpression?: string;
          UpdateExpression?: string;
        };
        // A hot link's flush (ADR 024): the instance's batched downloads, once a second at most.
        const flush = operation === "UpdateItem" && input.UpdateExpression?.startsWith("ADD downloadCount");
        if (flush) counts.flushes += 1;
        else counts.dynamodb += 1;
        counts.operations.push(`dynamodb:${operation}${flush ? "(flush)" : ""}`);
        const item = items[input.Key?.pk?.S ?? ""];
        if (operation === "UpdateItem" && input.Key) {
          if (!item) return refused(undefined);
          const getOfLimited =
            item === limited && input.ConditionExpression?.includes("attribute_not_exists(maxDownloads) AND");
          if (getOfLimited) return refused(item);
          return { response: { statusCode: 200, headers: jsonHeaders, body: json({ Attributes: item }) } };
        }
        if (operation === "GetItem" && input.Key) {
          return {
            response: { statusCode: 200, headers: jsonHeaders, body: json(item ? { Item: item } : {}) },
          };
        }
        const body = operation === "Query" ? json({ Items: [], Count: 0, ScannedCount: 0 }) : json({});
        return { response: { statusCode: 200, headers: jsonHeaders, body } };
      }
      counts.s3 += 1;
      counts.operations.push(`s3:${request.method} ${request.path}`);
      return { response: { statusCode: 200, headers: {}, body: new Uint8Array() } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}
