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
}

export interface CountingHandler {
  handle(
    request: CannedRequest,
  ): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }>;
  updateHttpClientConfig(): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
  counts: { dynamodb: number; s3: number; operations: string[] };
  reset(): void;
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** A link as DynamoDB returns it (ALL_NEW after the download was counted). */
export function linkItem(id: string) {
  return {
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

export function cannedAws(linkId: string): CountingHandler {
  const counts = { dynamodb: 0, s3: 0, operations: [] as string[] };
  const jsonHeaders = { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "bench" };
  const answers: Record<string, Uint8Array> = {
    UpdateItem: json({ Attributes: linkItem(linkId) }),
    GetItem: json({ Item: linkItem(linkId) }),
    Query: json({ Items: [], Count: 0, ScannedCount: 0 }),
  };
  return {
    counts,
    reset() {
      counts.dynamodb = 0;
      counts.s3 = 0;
      counts.operations.length = 0;
    },
    async handle(request) {
      const target = request.headers["x-amz-target"];
      if (target?.startsWith("DynamoDB_")) {
        const operation = target.slice(target.indexOf(".") + 1);
        counts.dynamodb += 1;
        counts.operations.push(`dynamodb:${operation}`);
        const body = answers[operation] ?? json({});
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
