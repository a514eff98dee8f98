import { writeFileSync } from "node:fs";
import { createApp } from "#src/app.ts";
import { problemsMarkdown } from "#src/http/problem-types.ts";
import { offlineDeps } from "#src/offline-deps.ts";
import { openApiYaml } from "#src/openapi-document.ts";

writeFileSync(new URL("../openapi.yaml", import.meta.url), openApiYaml(createApp(offlineDeps())));
console.log("wrote openapi.yaml");
writeFileSync(new URL("../docs/problems.md", import.meta.url), problemsMarkdown());
console.log("wrote docs/problems.md");
