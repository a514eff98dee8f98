import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createApp } from "#src/app.ts";
import { problemsMarkdown } from "#src/http/problem-types.ts";
import { offlineDeps } from "#src/offline-deps.ts";
import { openApiYaml } from "#src/openapi-document.ts";

describe("openapi.yaml", () => {
  it("equals what the route definitions generate (run `npm run openapi` after changing a route)", () => {
    const committed = readFileSync(new URL("../../openapi.yaml", import.meta.url), "utf8");
    expect(committed).toBe(openApiYaml(createApp(offlineDeps())));
  });

  it("documents every route the app serves", () => {
    const app = createApp(offlineDeps());
    const documented = new Set(
      Object.entries(
        (app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "x", version: "1" } }).paths ??
          {}) as Record<string, object>,
      ).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)),
    );
    const served = app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
    for (const route of served) expect(documented, route).toContain(route);
  });

  it("docs/problems.md equals the catalogue the problem types come from (run `npm run openapi`)", () => {
    const committed = readFileSync(new URL("../../docs/problems.md", import.meta.url), "utf8");
    expect(committed).toBe(problemsMarkdown());
  });
});
