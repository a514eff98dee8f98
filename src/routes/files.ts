import { createRoute, z } from "@hono/zod-openapi";
import type { FileRecord } from "#src/domain/file.ts";
import { requireCaller } from "#src/http/auth.ts";
import { fileIdSchema, mimeTypeSchema, singleLine } from "#src/http/field-schemas.ts";
import { createRouter } from "#src/http/router.ts";
import {
  anyCallerSecurity,
  jsonBody,
  jsonContent,
  PageQuerySchema,
  pageOf,
  problemResponses,
} from "#src/http/schemas.ts";
import {
  completeFile,
  createFile,
  deleteFile,
  getOwnFileOrThrow,
  listOwnFiles,
} from "#src/services/files.ts";

export const FileSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    status: z.enum(["pending", "ready"]).openapi({
      description:
        "pending until POST /api/files/{id}/complete has checked the upload; then it can be linked.",
    }),
    createdAt: z.string(),
    completedAt: z.string().optional(),
    uploadExpiresAt: z.string().openapi({ description: "When the upload URLs stop working." }),
  })
  .openapi("File");

const CreateFileSchema = z
  .strictObject({
    filename: singleLine(200).openapi({
      description: "The name a download is saved under (links may override).",
    }),
    contentType: mimeTypeSchema.openapi({ example: "video/mp4" }),
    size: z
      .number()
      .int()
      .min(1)
      .openapi({ description: "Exact size in bytes; every upload URL's signature pins it (or its part's)." }),
  })
  .openapi("CreateFile");

const SingleUploadSchema = z
  .object({
    kind: z.literal("single"),
    method: z.literal("PUT"),
    url: z.string(),
    headers: z
      .record(z.string(), z.string())
      .openapi({ description: "Send these headers with the PUT, unchanged." }),
    expiresAt: z.string(),
  })
  .openapi("SingleFileUpload", {
    description: "PUT the whole file to url (below FILE_MULTIPART_THRESHOLD_BYTES).",
  });

const MultipartUploadSchema = z
  .object({
    kind: z.literal("multipart"),
    partSize: z.number().int().openapi({ description: "Every part but the last has this many bytes." }),
    parts: z.array(
      z.object({
        partNumber: z.number().int(),
        size: z.number().int().openapi({ description: "This part's exact byte count (signed)." }),
        method: z.literal("PUT"),
        url: z.string(),
      }),
    ),
    expiresAt: z.string(),
  })
  .openapi("MultipartFileUpload", {
    description:
      "PUT bytes [(partNumber-1)×partSize, +size) of the file to each part's url (in any order, in " +
      "parallel), keep each answer's ETag header, then complete with them.",
  });

const CreatedFileSchema = z
  .object({
    file: FileSchema,
    upload: z.union([SingleUploadSchema, MultipartUploadSchema]),
  })
  .openapi("CreatedFile");

const CompleteFileSchema = z
  .strictObject({
    parts: z
      .array(
        z.strictObject({
          partNumber: z.number().int().min(1).max(10_000),
          etag: z
            .string()
            .min(1)
            .max(200)
            .openapi({ description: "The ETag header S3 answered the part's PUT with." }),
        }),
      )
      .min(1)
      .max(10_000)
      .optional()
      .openapi({
        description: "A multipart upload's parts, in ascending partNumber; absent for a single PUT.",
      }),
  })
  .openapi("CompleteFile");

const FileIdParams = z.object({ id: fileIdSchema.openapi({ param: { name: "id", in: "path" } }) });

export function fileView(file: FileRecord): z.infer<typeof FileSchema> {
  const { id, filename, contentType, size, status, createdAt, completedAt, uploadExpiresAt } = file;
  return { id, filename, contentType, size, status, createdAt, completedAt, uploadExpiresAt };
}

export const fileRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/files",
      operationId: "createFile",
      tags: ["files"],
      summary: "Register a file and get presigned URLs to upload it straight to S3",
      description:
        "Below FILE_MULTIPART_THRESHOLD_BYTES (100 MiB) one presigned PUT; from it on a multipart upload " +
        "whose part size and count the server chose (up to MAX_FILE_BYTES, 5 GiB). Then POST " +
        "/api/files/{id}/complete. The file is the caller's: only they see it, link it or delete it.",
      security: anyCallerSecurity,
      request: { body: jsonBody(CreateFileSchema) },
      responses: {
        201: jsonContent(CreatedFileSchema, "The pending file and how to upload it."),
        ...problemResponses(400, 401, 403, 413, 415),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "files:write");
      const { file, upload } = await createFile(c.get("deps"), caller.userId, c.req.valid("json"));
      return c.json({ file: fileView(file), upload }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/files/{id}/complete",
      operationId: "completeFile",
      tags: ["files"],
      summary: "Finish an upload: the stored object must have exactly the declared size and type",
      description:
        "A multipart upload sends its parts' ETags. A stored object of another size or type is deleted " +
        "with its file (422 upload_invalid: upload again). Completing a ready file answers it again.",
      security: anyCallerSecurity,
      request: { params: FileIdParams, body: jsonBody(CompleteFileSchema) },
      responses: {
        200: jsonContent(FileSchema, "The file, ready to link."),
        ...problemResponses(400, 401, 403, 404, 413, 415, 422),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "files:write");
      const { parts } = c.req.valid("json");
      const file = await completeFile(c.get("deps"), caller.userId, c.req.valid("param").id, parts);
      return c.json(fileView(file), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/files",
      operationId: "listFiles",
      tags: ["files"],
      summary: "The caller's files, newest first",
      security: anyCallerSecurity,
      request: { query: PageQuerySchema },
      responses: {
        200: jsonContent(pageOf(FileSchema), "A page of files."),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const caller = requireCaller(c, "files:read");
      const page = await listOwnFiles(c.get("deps"), caller.userId, c.req.valid("query"));
      return c.json({ items: page.items.map(fileView), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/files/{id}",
      operationId: "getFile",
      tags: ["files"],
      summary: "One of the caller's files",
      security: anyCallerSecurity,
      request: { params: FileIdParams },
      responses: { 200: jsonContent(FileSchema, "The file."), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = requireCaller(c, "files:read");
      const deps = c.get("deps");
      return c.json(fileView(await getOwnFileOrThrow(deps, caller.userId, c.req.valid("param").id)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/files/{id}",
      operationId: "deleteFile",
      tags: ["files"],
      summary:
        "Delete a file: its links stop within seconds, then its object goes (a pending upload is aborted)",
      security: anyCallerSecurity,
      request: { params: FileIdParams },
      responses: { 204: { description: "Deleted." }, ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = requireCaller(c, "files:write");
      await deleteFile(c.get("deps"), caller.userId, c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
