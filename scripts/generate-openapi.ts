import { writeFileSync } from "node:fs";
import { createApp } from "#src/app.ts";
import { problemsMarkdown } from "#src/http/problem-types.ts";
import { offlineDeps } from "#src/offline-deps.ts";
import { openApiYaml } from "#src/openapi-document.ts";
import { clientSchemaPath, clientSchemaSource } from "../clients/typescript/codegen.ts";

const yaml = openApiYaml(createApp(offlineDeps()));
writeFileSync(new URL("../openapi.yaml", import.meta.url), yaml);
console.log("wrote openapi.yaml");
writeFileSync(new URL("../docs/problems.md", import.meta.url), problemsMarkdown());
console.log("wrote docs/problems.md");
writeFileSync(clientSchemaPath, await clientSchemaSource(yaml));
console.log("wrote clients/typescript/src/schema.d.ts");
