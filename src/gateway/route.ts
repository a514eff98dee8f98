import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  answerLink,
  LINK_FORM_MAX_BYTES,
  LINK_METHODS,
  type LinkMethod,
  linkFormOf,
} from "#src/gateway/answer.ts";
import { toResponse } from "#src/http/answer.ts";
import { clientAddress, peerAddressOf } from "#src/http/client-address.ts";
import type { AppEnv } from "#src/http/context.ts";
import { problemAnswer, problemFor } from "#src/http/problem.ts";
import { limitByAddress } from "#src/http/rate-limit-middleware.ts";

/**
 * The gateway over HTTP: plain Hono, no zod (the token's format and checksum are its validation,
 * stricter than a schema). The answer itself is src/gateway/answer.ts, which the Lambda also
 * serves without Hono; the OpenAPI description lives in docs.ts.
 */
export const redirectRoutes = new Hono<AppEnv>();

// The same rule as the Lambda's /l/ path (src/lambda/handler.ts): before any DynamoDB call.
redirectRoutes.use("/l/*", limitByAddress("link"));
// A confirm form is a passphrase field at most: a larger body is not read (the form is then ignored).
redirectRoutes.use(
  "/l/*",
  bodyLimit({
    maxSize: LINK_FORM_MAX_BYTES,
    onError: (c) =>
      toResponse(
        problemAnswer(
          problemFor(
            "payload_too_large",
            "A confirm form is a passphrase field at most.",
            c.get("requestId"),
          ),
        ),
      ),
  }),
);
redirectRoutes.on([...LINK_METHODS], "/l/:token", async (c) => {
  const contentType = c.req.header("content-type");
  const form =
    c.req.method === "POST" && linkFormOf(contentType, "x") !== undefined
      ? linkFormOf(contentType, await c.req.text())
      : undefined;
  return toResponse(
    await answerLink(c.get("deps"), {
      method: c.req.method as LinkMethod,
      token: c.req.param("token"),
      requestId: c.get("requestId"),
      clientAddress: clientAddress({
        peer: peerAddressOf(c.env),
        trustedHeader: c.get("deps").config.CLIENT_ADDRESS_HEADER,
        header: (name) => c.req.header(name),
      }),
      header: (name) => c.req.header(name),
      ...(form ? { form } : {}),
    }),
  );
});
