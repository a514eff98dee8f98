import { copyFile, mkdir, rm, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The SPA: one ESM bundle plus its CSS and index.html, no runtime CDN. */
export async function buildWebapp(outdir = `${root}dist/webapp`, options: { minify?: boolean } = {}) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: `${root}webapp/src/main.tsx` },
    outdir,
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: options.minify ?? true,
    sourcemap: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    metafile: true,
    logLevel: "warning",
    legalComments: "none",
  });
  await copyFile(`${root}webapp/index.html`, `${outdir}/index.html`);
  return result;
}

/**
 * The Lambda bundle: ESM for Node 22, minified, tree-shaken. Module fields first, so the AWS SDK
 * resolves to its ES builds; a createRequire banner for the CommonJS bits that call require().
 */
export async function buildLambda(outdir = `${root}dist/lambda`) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  return esbuild.build({
    entryPoints: { index: `${root}src/lambda.ts` },
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    sourcemap: true,
    metafile: true,
    mainFields: ["module", "main"],
    legalComments: "none",
    logLevel: "warning",
    banner: {
      js: "import { createRequire as __evgCreateRequire } from 'node:module'; const require = __evgCreateRequire(import.meta.url);",
    },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lambda = await buildLambda();
  await esbuild.analyzeMetafile(lambda.metafile).then(() => undefined);
  const webapp = await buildWebapp();
  for (const file of ["dist/lambda/index.mjs", "dist/webapp/app.js"]) {
    console.log(`${file}: ${(await stat(`${root}${file}`)).size} bytes`);
  }
  void webapp;
}
