import { writeFileSync } from "node:fs";
import { createApp } from "#src/app.ts";
import { offlineDeps } from "#src/offline-deps.ts";
import { openApiYaml } from "#src/openapi-document.ts";

writeFileSync(new URL("../openapi.yaml", import.meta.url), openApiYaml(createApp(offlineDeps())));
console.log("wrote openapi.yaml");
