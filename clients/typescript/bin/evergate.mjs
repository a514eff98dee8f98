#!/usr/bin/env node
// The CLI is TypeScript run by tsx (Node 20 and 22 alike, no build step): register its loader,
// then load the program.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
