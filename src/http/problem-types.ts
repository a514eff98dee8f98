import type { ErrorCode } from "#src/domain/errors.ts";

/**
 * What each problem `type` means, in one place: the title every answer carries, and the page at
 * /api/problems (and docs/problems.md, generated from it) that each type URI points at.
 */
export const problemTypes: Record<ErrorCode, { title: string; meaning: string; whatToDo: string }> = {
  invalid_request: {
    title: "Invalid request",
    meaning: "A parameter, query or body field fails validation; `errors` lists each one with its path.",
    whatToDo: "Fix the fields named in `errors` and send the request again.",
  },
  malformed_json: {
    title: "Malformed JSON body",
    meaning: "The body is not valid JSON.",
    whatToDo: "Send a JSON document with `content-type: application/json`.",
  },
  unauthorized: {
    title: "Authentication required",
    meaning: "No bearer token, or one that is invalid, expired, revoked, or whose user is disabled.",
    whatToDo: "Log in again (a fresh access token) or use a valid `evk_` API key.",
  },
  insufficient_scope: {
    title: "Insufficient scope",
    meaning: "The API key is valid but lacks the scope this operation needs.",
    whatToDo: "Create a key with the scope named in `detail`; keys cannot manage keys.",
  },
  not_found: {
    title: "Not found",
    meaning: "It does not exist, or it is not yours to see: both answer the same 404.",
    whatToDo: "Check the id or link; ask its owner if you should have access.",
  },
  conflict: {
    title: "Conflict",
    meaning: "The resource changed since you read it, or its state forbids this change.",
    whatToDo: "Read it again and retry with the current version.",
  },
  confirmation_required: {
    title: "Confirmation required",
    meaning:
      "The link has a download limit, and a GET never uses one up (so scanners and link checkers cannot).",
    whatToDo: "Ask for the download with a POST: `curl -L -d '' URL` or `wget --post-data='' URL`.",
  },
  link_limit_reached: {
    title: "Link limit reached",
    meaning:
      "You already hold the most links to this product that are not revoked (`MAX_ACTIVE_LINKS_PER_PRODUCT`, " +
      "1,000 by default); expired and used-up links count until revoked.",
    whatToDo:
      "Revoke a link you no longer share (DELETE /api/links/{id}), or reuse one, then create it again.",
  },
  link_gone: {
    title: "Link no longer available",
    meaning:
      "The link was revoked, has expired or has no downloads left: `reason` (`revoked`, `expired`, `exhausted`) and `detail` say which.",
    whatToDo: "Ask the person who shared it for a new link.",
  },
  passphrase_required: {
    title: "Passphrase required",
    meaning: "The link is protected by a passphrase, and the request carried none.",
    whatToDo:
      "Open the link in a browser and type the passphrase, or POST with the `Evergate-Passphrase` header: " +
      "`curl -L -d '' -H 'Evergate-Passphrase: …' URL`.",
  },
  passphrase_incorrect: {
    title: "Wrong passphrase",
    meaning:
      "The passphrase does not match. `attemptsLeft` says how many more wrong ones lock the link " +
      "(`PASSPHRASE_MAX_ATTEMPTS` in `PASSPHRASE_LOCK_SECONDS`).",
    whatToDo: "Ask the person who shared the link for the passphrase.",
  },
  passphrase_locked: {
    title: "Locked after wrong passphrases",
    meaning:
      "Too many wrong passphrases were sent for this link; it refuses every attempt, right or wrong, until the " +
      "window ends (`Retry-After`).",
    whatToDo: "Wait the `Retry-After` seconds, then try again with the right passphrase.",
  },
  link_network_refused: {
    title: "Not allowed from this network",
    meaning:
      "The link may be used only from certain networks (its `allowedNetworks`), and this client's address is in none.",
    whatToDo: "Use the link from an allowed network, or ask its owner to add yours.",
  },
  link_device_limit: {
    title: "Device limit reached",
    meaning:
      "The link may be used only by its first `maxClients` clients (network and browser), and every place is taken.",
    whatToDo: "Use it from a device where it already worked, or ask its owner to reset its devices.",
  },
  policy_violation: {
    title: "Against the deployment's link policy",
    meaning:
      "The link's settings break a rule the deployment sets for every link (`GET /api/config` shows them); " +
      "`errors` names each rule (`rule`) and the field it concerns.",
    whatToDo: "Change the fields named in `errors` to fit the policy, then send the request again.",
  },
  payload_too_large: {
    title: "Payload too large",
    meaning: "The request body is larger than the server accepts.",
    whatToDo: "Send a smaller body; files go straight to storage through an upload URL, not the API.",
  },
  unsupported_media_type: {
    title: "Unsupported media type",
    meaning: "A write with a body that is not `application/json`.",
    whatToDo: "Send JSON with `content-type: application/json`.",
  },
  upload_invalid: {
    title: "Upload does not match",
    meaning: "The uploaded object is missing, or its size, type or content differs from what was declared.",
    whatToDo: "Upload again with the declared size and type, then retry.",
  },
  idempotency_key_reused: {
    title: "Idempotency key reused",
    meaning:
      "This `Idempotency-Key` was already used by you, within the last 24 hours, for a different request " +
      "(another path or body); the key stands for that first request only.",
    whatToDo: "Use a new key for a new request; resend the first request unchanged to get its answer.",
  },
  idempotency_in_progress: {
    title: "Idempotent request still in progress",
    meaning:
      "A request with this `Idempotency-Key` is still being processed and did not finish while this one waited.",
    whatToDo: "Retry after the `Retry-After` delay with the same key: you get the first request's answer.",
  },
  external_id_taken: {
    title: "External id already used",
    meaning: "You already have a link with this `externalId`; it is unique among your links.",
    whatToDo: "Find that link with GET /api/links?externalId=…, or choose another externalId.",
  },
  too_many_items: {
    title: "Too many items",
    meaning: "A bulk call carries more items than it accepts (100 links per call).",
    whatToDo: "Split the items into several calls.",
  },
  rate_limited: {
    title: "Too many requests",
    meaning:
      "This client (its address, or its user or API key) sent more than its per-minute budget; " +
      "`RateLimit-Policy` and `RateLimit` tell the policy and what is left.",
    whatToDo: "Wait the `Retry-After` seconds, then send at a lower rate.",
  },
  service_unavailable: {
    title: "Service unavailable",
    meaning:
      "A dependency (database, storage or identity) did not answer in time. Nothing was changed by half.",
    whatToDo: "Retry after the `Retry-After` delay.",
  },
  storage_refused: {
    title: "Storage refused",
    meaning:
      "S3 refused a call Evergate made itself, for a cause Evergate can name (expired credentials, a clock too far off, the bucket in another region, a missing permission, a missing file): `detail` names it and the section of docs/troubleshooting.md with the fix. It is logged with the same `cause`.",
    whatToDo: "Nothing on the caller's side: the operator must fix the deployment. Quote the `requestId`.",
  },
  internal_error: {
    title: "Internal server error",
    meaning: "An unexpected error; it is logged with the `requestId`.",
    whatToDo: "Retry later; quote the `requestId` when reporting it.",
  },
};

/** The anchor of a code on the problems page: `link_gone` → `link-gone`. */
export const problemSlug = (code: ErrorCode) => code.replaceAll("_", "-");

/** A relative reference (RFC 9457 allows it), resolved against the API's own origin. */
export const problemTypeUri = (code: ErrorCode) => `/api/problems#${problemSlug(code)}`;

/** docs/problems.md: the same catalogue for readers of the repository. */
export function problemsMarkdown(): string {
  const sections = Object.entries(problemTypes).map(
    ([code, doc]) =>
      `## ${problemSlug(code as ErrorCode)}\n\n\`${code}\` — **${doc.title}**. ${doc.meaning}\n\n${doc.whatToDo}\n`,
  );
  return `# Problem types\n\nEvery error is \`application/problem+json\` with \`type\`, \`title\`, \`status\`, \`detail\`, \`code\` and \`requestId\`. \`type\` is \`/api/problems#{code}\`, a page the API serves; this file is generated from the same catalogue (src/http/problem-types.ts) by \`npm run openapi\`.\n\n${sections.join("\n")}`;
}
