import { createRoute, z } from "@hono/zod-openapi";
import { type Link, linkSubject } from "#src/domain/link.ts";
import type { PolicyViolation } from "#src/domain/link-policy.ts";
import { requireAdmin } from "#src/http/auth.ts";
import { createRouter } from "#src/http/router.ts";
import { jsonContent, PageQuerySchema, pageOf, problemResponses, userSecurity } from "#src/http/schemas.ts";
import { listLinksOutOfPolicy, POLICY_REPORT_SCAN_BUDGET } from "#src/services/policy-report.ts";

const OutOfPolicyLinkSchema = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    ownerName: z.string().optional(),
    productId: z.string().optional().openapi({ description: "A product link's product." }),
    fileId: z.string().optional().openapi({ description: "A file link's file." }),
    title: z.string().openapi({ description: "The product's title, or the file's name." }),
    tokenHint: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().optional(),
    maxDownloads: z.number().int().optional(),
    downloadCount: z.number().int(),
    passphraseProtected: z.boolean(),
    violations: z
      .array(z.object({ rule: z.string(), path: z.string(), message: z.string() }))
      .openapi({ description: "Each rule of the deployment's link policy the link breaks now." }),
  })
  .openapi("OutOfPolicyLink");

function outOfPolicyView(link: Link, violations: PolicyViolation[]): z.infer<typeof OutOfPolicyLinkSchema> {
  const subject = linkSubject(link);
  return {
    id: link.id,
    ownerId: link.ownerId,
    ...(link.ownerName === undefined ? {} : { ownerName: link.ownerName }),
    ...(subject.kind === "file" ? { fileId: subject.fileId } : { productId: subject.productId }),
    title: link.productTitle,
    tokenHint: link.tokenHint,
    createdAt: link.createdAt,
    ...(link.expiresAt === undefined ? {} : { expiresAt: link.expiresAt }),
    ...(link.maxDownloads === undefined ? {} : { maxDownloads: link.maxDownloads }),
    downloadCount: link.downloadCount,
    passphraseProtected: link.passphraseHash !== undefined,
    violations,
  };
}

export const adminRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/api/admin/links-out-of-policy",
    operationId: "listLinksOutOfPolicy",
    tags: ["admin"],
    summary: "Active links out of the deployment's link policy (Cognito group admin only)",
    description:
      "The links made before a LINK_* rule was set or tightened: they keep working; this lists them " +
      "with the rules each breaks, so their owners can be asked to change them. For a user signed in " +
      "with a token naming the Cognito group `admin`; anyone else, API keys included, gets 403. Each " +
      `page reads at most ${POLICY_REPORT_SCAN_BUDGET.toLocaleString("en")} table items, so it may hold ` +
      "fewer than `limit` links (even none) and still carry a `nextCursor`: follow it until it is absent. " +
      "`npm run policy:report` walks the same rule over the whole table.",
    security: userSecurity,
    request: { query: PageQuerySchema },
    responses: {
      200: jsonContent(pageOf(OutOfPolicyLinkSchema), "A page of links out of policy."),
      ...problemResponses(400, 401, 403),
    },
  }),
  async (c) => {
    requireAdmin(c);
    const page = await listLinksOutOfPolicy(c.get("deps"), c.req.valid("query"));
    return c.json(
      {
        items: page.items.map(({ link, violations }) => outOfPolicyView(link, violations)),
        nextCursor: page.nextCursor,
      },
      200,
    );
  },
);
