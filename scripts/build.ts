import { mkdir, rm, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { buildWebapp } from "../src/local/build-webapp.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * zod's namespace export drags every locale (bench/README.md) into any bundle that passes `z`
 * around as a value, as @hono/zod-openapi does. Evergate only speaks English: keep `en`.
 */
const zodEnglishOnly: esbuild.Plugin = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](core|classic)[\\/]/.test(args.importer)
        ? { path: "zod-locales", namespace: "evergate-zod" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "evergate-zod" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: root,
    }));
  },
};

/**
 * The Lambda bundle: ESM for Node 22, minified, tree-shaken. Module fields first, so the AWS SDK
 * resolves to its ES builds; a createRequire banner for the CommonJS bits that call require().
 * Code splitting turns every dynamic import() into its own chunk that a cold start never reads:
 * the SDK's SSO/STS/IMDS credential providers and the upload presigner load on first use only.
 * Deploy the whole directory (index.mjs + chunks/); the handler is index.handler.
 */
export async function buildLambda(
  outdir = `${root}dist/lambda`,
  options: { entryPoint?: string; minify?: boolean } = {},
) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  return esbuild.build({
    entryPoints: { index: options.entryPoint ?? `${root}src/lambda/main.ts` },
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node22",
    minify: options.minify ?? true,
    sourcemap: true,
    metafile: true,
    mainFields: ["module", "main"],
    legalComments: "none",
    logLevel: "warning",
    plugins: [zodEnglishOnly],
    banner: {
      js: "import { createRequire as __evgCreateRequire } from 'node:module'; const require = __evgCreateRequire(import.meta.url);",
    },
  });
}

/** The output files a cold start reads: the entry and every chunk it imports statically. */
export function coldStartFiles(metafile: esbuild.Metafile, entryFile: string): string[] {
  const seen = new Set<string>();
  const pending = [entryFile];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file) || !metafile.outputs[file]) continue;
    seen.add(file);
    for (const imported of metafile.outputs[file].imports) {
      if (imported.kind === "import-statement" && !imported.external) pending.push(imported.path);
    }
  }
  return [...seen];
}

/** Minified bytes per package (or src/ folder) in the given output files, largest first. */
export function bytesByPackage(metafile: esbuild.Metafile, files: string[]): Array<[string, number]> {
  const sizes = new Map<string, number>();
  for (const file of files) {
    for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[file]?.inputs ?? {})) {
      const name =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split("/").slice(0, 2).join("/");
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lambda = await buildLambda();
  const outputs = Object.keys(lambda.metafile.outputs).filter((file) => file.endsWith(".mjs"));
  const entry = outputs.find((file) => file.endsWith("dist/lambda/index.mjs")) as string;
  const coldFiles = coldStartFiles(lambda.metafile, entry);
  const sum = (files: string[]) =>
    files.reduce((total, file) => total + (lambda.metafile.outputs[file]?.bytes ?? 0), 0);
  console.log(
    `dist/lambda: ${sum(coldFiles)} bytes read at cold start, ${sum(outputs)} bytes in all ${outputs.length} files`,
  );
  for (const [name, bytes] of bytesByPackage(lambda.metafile, coldFiles).slice(0, 8)) {
    console.log(`  ${String(bytes).padStart(8)}  ${name}`);
  }
  await buildWebapp();
  console.log(`dist/webapp/app.js: ${(await stat(`${root}dist/webapp/app.js`)).size} bytes`);
}
