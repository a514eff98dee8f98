import { copyFile, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The SPA: one ESM entry (app.js) and the chunks it imports on demand, its CSS and index.html, no runtime CDN. */
export async function buildWebapp(outdir = `${root}dist/webapp`, options: { minify?: boolean } = {}) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: `${root}webapp/src/main.tsx` },
    outdir,
    bundle: true,
    // A dynamic import() becomes a chunk of its own: uPlot loads with the first chart only.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
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
