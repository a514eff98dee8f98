/**
 * When the strict tier runs (`npm run test:strict`), these variables point the app's S3 client at
 * Ceph RGW instead of the embedded stand-in; every other test stays the same.
 */
export function strictS3FromEnv() {
  const endpoint = process.env.STRICT_S3_ENDPOINT;
  if (!endpoint) return undefined;
  return {
    endpoint,
    credentials: {
      accessKeyId: process.env.STRICT_S3_ACCESS_KEY_ID ?? "evergate-strict",
      secretAccessKey: process.env.STRICT_S3_SECRET_ACCESS_KEY ?? "evergate-strict-secret",
    },
  };
}
