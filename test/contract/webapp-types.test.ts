import { readFile } from "node:fs/promises";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);

describe("webapp/src/api/schema.d.ts", () => {
  it("equals what openapi-typescript generates from the committed openapi.yaml (run `npm run webapp:types`)", async () => {
    // Prepare
    const committed = await readFile(new URL("webapp/src/api/schema.d.ts", root), "utf8");

    // Act: the same generator and options as the CLI in `npm run webapp:types`
    const ast = await openapiTS(new URL("openapi.yaml", root), { silent: true });
    const generated = COMMENT_HEADER + astToString(ast);

    // Assess
    expect(committed).toBe(generated);
  });
});
