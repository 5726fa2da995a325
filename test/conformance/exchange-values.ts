/** Small value helpers of the conformance validator (validator.ts): JSON, headers, media types, parameter coercion. */
export type JsonSchema = { [keyword: string]: unknown };
export interface MediaTypes {
  [mediaType: string]: { schema?: JsonSchema };
}

export const isSchema = (value: unknown): value is JsonSchema => typeof value === "object" && value !== null && !Array.isArray(value);

/** OpenAPI 3.0's `nullable: true` as a 3.1 type list, in case a generator still emits it. */
export function nullableAsTypes(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableAsTypes);
  if (!isSchema(node)) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) out[key] = nullableAsTypes(value);
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === "string") out.type = [out.type, "null"];
    else if (Array.isArray(out.type) && !out.type.includes("null")) out.type = [...out.type, "null"];
    else if (out.type === undefined) return { anyOf: [out, { type: "null" }] };
  }
  return out;
}

export function lowerCaseKeys(headers: Record<string, string>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

export function findMediaType(content: MediaTypes, contentType: string | undefined): string | undefined {
  const actual = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return Object.keys(content).find((candidate) => {
    const expected = candidate.toLowerCase();
    if (expected === "*/*") return true;
    if (expected.endsWith("/*")) return actual.startsWith(expected.slice(0, -1));
    return expected === actual;
  });
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function errorCode(body: string): string | undefined {
  const parsed = parseJson(body);
  if (!parsed.ok || typeof parsed.value !== "object" || parsed.value === null || !("error" in parsed.value)) return undefined;
  const error: unknown = parsed.value.error;
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined;
}

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Parameters and headers travel as strings; a validating client serialises typed values the usual way. */
export function coerce(value: unknown, schema: JsonSchema | undefined): unknown {
  if (Array.isArray(value)) {
    const items = schema?.items;
    return value.map((item) => coerce(item, isSchema(items) ? items : undefined));
  }
  if (typeof value !== "string" || schema === undefined) return value;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if ((types.includes("integer") || types.includes("number")) && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value)) return Number(value);
  if (types.includes("boolean") && (value === "true" || value === "false")) return value === "true";
  return value;
}
