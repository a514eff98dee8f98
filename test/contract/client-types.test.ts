import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { clientSchemaPath, clientSchemaSource } from "../../clients/typescript/codegen.ts";

describe("clients/typescript/src/schema.d.ts", () => {
  it("equals what openapi-typescript generates from the committed openapi.yaml (run `npm run openapi`)", async () => {
    // Prepare
    const committed = await readFile(clientSchemaPath, "utf8");
    const spec = await readFile(new URL("../../openapi.yaml", import.meta.url), "utf8");

    // Act
    const generated = await clientSchemaSource(spec);

    // Assess
    expect(committed).toBe(generated);
  });
});
