import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "src/**/*.test.ts",
      "test/**/*.test.ts",
      "infra/**/*.test.ts",
      "webapp/src/**/*.test.ts",
      "clients/**/*.test.ts",
      "bench/**/*.test.ts",
    ],
    exclude: ["test/strict-s3/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});
