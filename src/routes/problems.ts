import { createRoute } from "@hono/zod-openapi";
import type { ErrorCode } from "#src/domain/errors.ts";
import { escapeHtml } from "#src/gateway/pages.ts";
import { statusByCode } from "#src/http/problem.ts";
import { problemSlug, problemTypes } from "#src/http/problem-types.ts";
import { createRouter } from "#src/http/router.ts";

const PAGE_STYLE =
  "body{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;line-height:1.5}code{background:#f2f2f2;padding:0 .2rem}";

/** The page every problem `type` points at: one section per code, its anchor the code's slug. */
function problemsPage(): string {
  const sections = (Object.keys(problemTypes) as ErrorCode[]).map((code) => {
    const doc = problemTypes[code];
    return `<section id="${problemSlug(code)}"><h2>${escapeHtml(doc.title)} <small>(${statusByCode[code]})</small></h2><p><code>${code}</code> — ${escapeHtml(doc.meaning)}</p><p>${escapeHtml(doc.whatToDo)}</p></section>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Evergate problem types</title><style>${PAGE_STYLE}</style></head><body><h1>Problem types</h1><p>Every error Evergate answers is <code>application/problem+json</code>; its <code>type</code> links to a section below.</p>${sections.join("")}</body></html>`;
}

export const problemRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/api/problems",
    operationId: "getProblemTypes",
    security: [],
    tags: ["system"],
    summary: "What each problem type means (the page problem `type` URIs point at)",
    responses: {
      200: {
        description: "An HTML page, one section per error code.",
        content: { "text/html": { schema: { type: "string" } } },
      },
    },
  }),
  (c) => {
    c.header("cache-control", "public, max-age=3600");
    c.header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
    );
    return c.html(problemsPage(), 200);
  },
);
