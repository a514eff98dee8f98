import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWebapp } from "#src/local/build-webapp.ts";

const maxGzippedJsBytes = 60 * 1024;

describe("the built webapp", () => {
  let outdir: string;

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), "evergate-webapp-size-"));
    await buildWebapp(outdir);
  });

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it(`ships under ${maxGzippedJsBytes / 1024} KB of gzipped JavaScript`, async () => {
    const js = await readFile(join(outdir, "app.js"));
    const gzipped = gzipSync(js, { level: 9 }).length;
    console.info(`webapp: app.js ${js.length} B, ${gzipped} B gzipped`);
    expect(gzipped).toBeLessThan(maxGzippedJsBytes);
  });

  it("loads uPlot only with the first chart: a chunk of its own, not in app.js", async () => {
    const app = await readFile(join(outdir, "app.js"), "utf8");
    const chunks = await readdir(join(outdir, "chunks"));
    const uplot = chunks.filter((name) => /^uPlot.*\.js$/.test(name));
    expect(uplot).toHaveLength(1);
    const chunk = await readFile(join(outdir, "chunks", uplot[0] as string));
    console.info(`webapp: uPlot chunk ${chunk.length} B, ${gzipSync(chunk, { level: 9 }).length} B gzipped`);
    expect(app).toContain(`./chunks/${uplot[0]}`);
    // uPlot's own class names appear nowhere else in app.js than in the chunk's file name
    expect(/u-cursor-pt|uplot/i.test(app.replaceAll(uplot[0] as string, ""))).toBe(false);
  });

  it("has no inline script or style in index.html, so the CSP can forbid them", async () => {
    const html = await readFile(join(outdir, "index.html"), "utf8");
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/app\.js"/);
      expect(body?.trim()).toBe("");
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });
});
