import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import formatsPlugin from "ajv-formats";
import { parse } from "yaml";

/** openapi.yaml, read once: the contract every hardening suite checks answers against. */

type Json = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  schema: Json;
}

export interface Operation {
  operationId: string;
  method: string;
  /** The templated path, e.g. /api/links/{id}. */
  path: string;
  parameters: Parameter[];
  /** The JSON request body's schema (refs resolved), if the operation takes one. */
  bodySchema?: Json;
  /** Documented statuses and the content types each may have. */
  responses: Map<number, string[]>;
  security: Array<Record<string, string[]>>;
}

const specPath = fileURLToPath(new URL("../../openapi.yaml", import.meta.url));
export const spec = parse(readFileSync(specPath, "utf8")) as {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; parameters?: Record<string, Json> };
};

/** Replaces every local $ref with the schema (or parameter) it names (the spec has no recursive schemas). */
export function resolveRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveRefs);
  if (value === null || typeof value !== "object") return value;
  const ref = (value as Json).$ref;
  if (typeof ref === "string") {
    const [, kind, name] = /^#\/components\/(schemas|parameters)\/(.+)$/.exec(ref) ?? [];
    const target =
      kind === "parameters" ? spec.components.parameters?.[name ?? ""] : spec.components.schemas[name ?? ""];
    if (!target) throw new Error(`Unresolvable $ref ${ref}`);
    return resolveRefs(target);
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolveRefs(inner)]));
}

export const operations: Operation[] = Object.entries(spec.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, raw]) => {
    const responses = new Map<number, string[]>();
    for (const [status, response] of Object.entries((raw.responses ?? {}) as Record<string, Json>)) {
      responses.set(Number(status), Object.keys((response.content ?? {}) as Json));
    }
    const body = (raw.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
    return {
      operationId: String(raw.operationId),
      method: method.toUpperCase(),
      path,
      parameters: resolveRefs(raw.parameters ?? []) as Parameter[],
      bodySchema: body?.["application/json"]
        ? (resolveRefs(body["application/json"].schema) as Json)
        : undefined,
      responses,
      security: (raw.security ?? []) as Array<Record<string, string[]>>,
    };
  }),
);

export function operation(operationId: string): Operation {
  const found = operations.find((op) => op.operationId === operationId);
  if (!found) throw new Error(`No operation ${operationId} in openapi.yaml`);
  return found;
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
// ajv-formats is CommonJS: under NodeNext its function is the default export's `default`
formatsPlugin.default(ajv);
ajv.addVocabulary(["example"]);
const toDefs = (schema: unknown) =>
  JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"#/$defs/')) as Json;
const definitions = toDefs(spec.components.schemas);

const validators = new Map<string, ValidateFunction>();
function validatorFor(op: Operation, status: number, contentType: string): ValidateFunction | undefined {
  const key = `${op.operationId} ${status} ${contentType}`;
  if (!validators.has(key)) {
    const responses = (spec.paths[op.path]?.[op.method.toLowerCase()]?.responses ?? {}) as Record<
      string,
      Json
    >;
    const content = responses[String(status)]?.content as Record<string, Json> | undefined;
    const schema = content?.[contentType]?.schema;
    if (!schema) return undefined;
    validators.set(key, ajv.compile({ ...toDefs(schema), $defs: definitions }));
  }
  return validators.get(key);
}

/** Statuses any route may answer although an operation does not list them: unknown route or method. */
const genericStatuses = new Set([401, 404, 405]);

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  headers: Headers;
}

/** Every (operation, status) pair a suite saw, so it can report what it covered. */
export const seen = new Map<string, Set<number>>();

/**
 * Checks one answer against the contract and returns what is wrong (empty when it conforms):
 * a documented status (or a generic 401/404/405), never a 5xx (a 503 only while a dependency is down), problem+json for every error, and
 * a JSON body that validates against the response schema of that status and content type.
 */
export function contractViolations(
  op: Operation,
  answer: Answer,
  options: { dependencyDown?: boolean } = {},
): string[] {
  const problems: string[] = [];
  const { status } = answer;
  const mediaType = answer.contentType.split(";")[0]?.trim() ?? "";
  const statuses = seen.get(op.operationId) ?? new Set<number>();
  seen.set(op.operationId, statuses.add(status));
  if (status >= 500 && !(status === 503 && options.dependencyDown)) {
    problems.push(`answered ${status}: ${answer.body.slice(0, 300)}`);
  }
  const documented = op.responses.get(status);
  if (!documented && !genericStatuses.has(status)) problems.push(`status ${status} is not documented`);
  if (status >= 400 && mediaType !== "application/problem+json" && mediaType !== "text/html") {
    problems.push(`error answered as ${mediaType || "(no content type)"}`);
  }
  if (status === 503 && !answer.headers.get("retry-after")) problems.push("503 without Retry-After");
  if (documented && documented.length > 0 && answer.body.length > 0) {
    if (!documented.includes(mediaType)) problems.push(`content type ${mediaType} is not documented`);
    else if (mediaType.endsWith("json")) {
      const validate = validatorFor(op, status, mediaType);
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.body);
      } catch {
        problems.push("the body is not JSON");
      }
      if (validate && parsed !== undefined && !validate(parsed)) {
        problems.push(`body does not match the schema: ${ajv.errorsText(validate.errors)}`);
      }
    }
  } else if (status >= 400 && mediaType === "application/problem+json" && answer.body.length > 0) {
    // A generic status (e.g. 404 for a path the router does not match) still has the problem shape.
    const validate = validatorFor(operation("getMe"), 401, "application/problem+json");
    if (validate && !validate(JSON.parse(answer.body))) {
      problems.push(`problem body invalid: ${ajv.errorsText(validate.errors)}`);
    }
  }
  return problems;
}

/** Finds the operation a concrete method + path belongs to. */
export function operationFor(method: string, path: string): Operation | undefined {
  const bare = path.split("?")[0] ?? path;
  return operations.find((op) => {
    if (op.method !== method) return false;
    const pattern = new RegExp(`^${op.path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    return pattern.test(bare);
  });
}
