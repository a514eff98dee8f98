import { defineConfig } from "vitest/config";

/**
 * The strict S3 tier (`npm run test:strict`, docs/decisions/002-strict-s3-tier.md): the S3
 * conformance suite plus the app's integration suite, run unchanged with the app's S3 pointed at
 * Ceph RGW (test/support/harness.ts reads STRICT_S3_*). Left out are the tests that never go
 * through the harness and only exercise the embedded stand-ins (s3rver and friends, `npm start`):
 * here they would test the same s3rver a second time.
 */
export default defineConfig({
  test: {
    include: [
      "test/strict-s3/**/*.test.ts",
      "test/integration/**/*.test.ts",
      // The gateway's browser downloads: Chromium saving what RGW serves for a presigned GET
      "test/e2e/gateway.e2e.test.ts",
    ],
    exclude: [
      "test/integration/s3-stand-in.test.ts",
      "test/integration/local-stack.test.ts",
      "test/integration/npm-start.test.ts",
      "node_modules/**",
    ],
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});
