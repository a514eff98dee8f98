import { createRoute, z } from "@hono/zod-openapi";
import { requireCaller } from "#src/http/auth.ts";
import { mimeTypeSchema, singleLine } from "#src/http/field-schemas.ts";
import { createRouter } from "#src/http/router.ts";
import { anyCallerSecurity, jsonBody, jsonContent, problemResponses } from "#src/http/schemas.ts";
import { createUpload } from "#src/services/uploads.ts";

const CreateUploadSchema = z
  .strictObject({
    kind: z.enum(["promoImage", "deliverable"]),
    contentType: mimeTypeSchema.openapi({ example: "image/png" }),
    size: z.number().int().min(1).openapi({ description: "Exact size in bytes; the signature pins it." }),
    filename: singleLine(200),
  })
  .openapi("CreateUpload");

const UploadTicketSchema = z
  .object({
    uploadId: z.string(),
    method: z.literal("PUT"),
    url: z.string(),
    headers: z
      .record(z.string(), z.string())
      .openapi({ description: "Send these headers with the PUT, unchanged." }),
    expiresAt: z.string(),
  })
  .openapi("UploadTicket");

export const uploadRoutes = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/api/uploads",
    operationId: "createUpload",
    tags: ["uploads"],
    summary: "Get a presigned PUT to upload a file straight to S3 (exact size and type)",
    security: anyCallerSecurity,
    request: { body: jsonBody(CreateUploadSchema) },
    responses: {
      201: jsonContent(UploadTicketSchema, "Upload with the given method, URL and headers."),
      ...problemResponses(400, 401, 403, 413, 415),
    },
  }),
  async (c) => {
    const caller = requireCaller(c, "products:write");
    const ticket = await createUpload(c.get("deps"), caller.userId, c.req.valid("json"));
    return c.json(ticket, 201);
  },
);
