/**
 * Key prefixes in the files bucket: browsers upload to pending/, products point at files/. Shared
 * by the services and the CDK stack (lifecycle rules, the role's grants).
 */
export const bucketPrefixes = { pending: "pending/", files: "files/" } as const;
