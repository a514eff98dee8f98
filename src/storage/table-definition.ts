/**
 * The single DynamoDB table (see docs/decisions/004-data-model.md). Shared by the local stand-in
 * set-up and the CDK stack so both create exactly the same keys and indexes.
 */
export const tableKeys = {
  partitionKey: "pk",
  sortKey: "sk",
  indexes: [
    { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
    { name: "gsi2", partitionKey: "gsi2pk", sortKey: "gsi2sk" },
  ],
} as const;

/** The table's time-to-live attribute (epoch seconds): DynamoDB TTL in AWS, the stand-in's locally. */
export const ttlAttribute = "expiresAtEpoch";
