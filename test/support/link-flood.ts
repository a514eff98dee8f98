import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { Link } from "#src/domain/link.ts";
import { mintToken } from "#src/domain/token.ts";
import type { TestEvergate } from "./harness.ts";

/**
 * Writes `count` links of one owner to a product as src/storage/dynamo-links.ts `put` leaves them
 * (the link, its pointer in the product's partition, the owner's slot count), 25 items to a
 * BatchWriteItem: the embedded DynamoDB takes ~7× longer one PutItem at a time, and 10,000 links
 * through the API take minutes. Answers the tokens.
 */
export async function floodLinks(
  evergate: TestEvergate,
  productId: string,
  ownerId: string,
  count: number,
  fields: Pick<Partial<Link>, "tags" | "recipient" | "label"> = {},
): Promise<string[]> {
  const product = await evergate.deps.stores.products.get(productId);
  if (!product) throw new Error(`no product ${productId}`);
  const dynamo = new DynamoDBClient({
    region: evergate.stack.region,
    endpoint: evergate.stack.dynamoEndpoint,
    credentials: evergate.stack.credentials,
  });
  const tokens: string[] = [];
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const { token, hash, hint } = mintToken("link", evergate.config.TOKEN_KEYS);
    tokens.push(token);
    const createdAt = new Date().toISOString();
    const link: Link = {
      id: hash,
      ownerId,
      productId,
      productTitle: product.title,
      objectKey: product.deliverable.key,
      defaultFilename: product.deliverable.filename,
      tokenHint: hint,
      createdAt,
      downloadCount: 0,
      ...fields,
    };
    items.push(
      { pk: `PRODUCT#${productId}`, sk: `LINK#${ownerId}#${hash}`, linkId: hash },
      {
        pk: `LINK#${hash}`,
        sk: "LINK",
        gsi1pk: `OWNER_LINKS#${ownerId}`,
        gsi1sk: `${createdAt}#${hash}`,
        gsi2pk: `PRODUCT_LINKS#${productId}`,
        gsi2sk: `${createdAt}#${hash}`,
        holdsSlot: true,
        ...link,
      },
    );
  }
  const table = evergate.stack.tableName;
  for (let start = 0; start < items.length; start += 25) {
    let pending = items.slice(start, start + 25).map((item) => ({ PutRequest: { Item: marshall(item) } }));
    while (pending.length > 0) {
      const result = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = (result.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
  await dynamo.send(
    new PutItemCommand({
      TableName: table,
      Item: marshall({ pk: `PRODUCT#${productId}`, sk: `ACTIVE_LINKS#${ownerId}`, activeLinks: count }),
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
  dynamo.destroy();
  return tokens;
}
