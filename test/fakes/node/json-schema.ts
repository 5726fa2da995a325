/**
 * The small part of JSON Schema the OpenAI fake (openai.ts) needs, written here because the fake must not
 * depend on a validator the project does not ship:
 * - `strictSchemaProblem`: what OpenAI's Structured Outputs refuses in a `strict: true` schema (root not an
 *   object, an object without `additionalProperties: false`, a property missing from `required`) – the real
 *   API answers 400 for these, so a wrong schema on our side fails in tests as it would in production;
 * - `schemaViolations`: whether a scripted answer fits the schema the request sent (type, enum/const,
 *   required/properties/additionalProperties, items, min/maxItems, min/maxLength, minimum/maximum, pattern,
 *   anyOf/oneOf, local `$ref`s) – a script that does not fit is a broken test, not a model answer;
 * - `minimalInstance`: the smallest answer that fits (the fake's default structured output).
 */
export type Schema = Record<string, unknown>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function resolve(schema: Schema, root: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  if (!ref.startsWith("#/")) throw new Error(`unsupported $ref ${ref}`);
  let target: unknown = root;
  for (const segment of ref.slice(2).split("/")) target = isRecord(target) ? target[segment.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  if (!isRecord(target)) throw new Error(`unresolvable $ref ${ref}`);
  return resolve(target, root);
}

function typesOf(schema: Schema): string[] {
  if (typeof schema.type === "string") return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((type): type is string => typeof type === "string");
  return [];
}

/** The first rule of OpenAI's strict mode the schema breaks, worded like the API's 400 ("In context=(…), …"), or undefined. */
export function strictSchemaProblem(schema: unknown): string | undefined {
  if (!isRecord(schema)) return "schema must be a JSON Schema object";
  if (schema.type !== "object" || Array.isArray(schema.anyOf)) return `schema must be a JSON Schema of 'type: "object"', got 'type: "${String(schema.type)}"'.`;
  const walk = (node: Schema, context: string[]): string | undefined => {
    const where = `In context=(${context.map((part) => `'${part}'`).join(", ")})`;
    if (typesOf(node).includes("object") || isRecord(node.properties)) {
      if (node.additionalProperties !== false) return `${where}, 'additionalProperties' is required to be supplied and to be false.`;
      const keys = isRecord(node.properties) ? Object.keys(node.properties) : [];
      const required = Array.isArray(node.required) ? node.required : undefined;
      const missing = keys.find((key) => !required?.includes(key));
      if (required === undefined || missing !== undefined) {
        return `${where}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing ?? keys[0] ?? ""}'.`;
      }
    }
    if (isRecord(node.properties)) {
      for (const [key, child] of Object.entries(node.properties)) {
        const problem = isRecord(child) ? walk(child, [...context, "properties", key]) : `${where}, property '${key}' is not a schema.`;
        if (problem !== undefined) return problem;
      }
    }
    if (isRecord(node.items)) return walk(node.items, [...context, "items"]);
    for (const key of ["anyOf", "$defs", "definitions"]) {
      const group = node[key];
      const entries = Array.isArray(group) ? group.map((child, index) => [String(index), child] as const) : isRecord(group) ? Object.entries(group) : [];
      for (const [name, child] of entries) {
        const problem = isRecord(child) ? walk(child, [...context, key, name]) : undefined;
        if (problem !== undefined) return problem;
      }
    }
    return undefined;
  };
  return walk(schema, []);
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "string": return typeof value === "string";
    case "number": return typeof value === "number" && Number.isFinite(value);
    case "integer": return typeof value === "number" && Number.isInteger(value);
    case "boolean": return typeof value === "boolean";
    case "null": return value === null;
    case "array": return Array.isArray(value);
    case "object": return isRecord(value);
    default: return false;
  }
}

const FORMATS: Record<string, RegExp> = {
  "date": /^\d{4}-\d{2}-\d{2}$/,
  "date-time": /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  "email": /^[^@\s]+@[^@\s]+$/,
  "uuid": /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

/** Every place `value` breaks `schema`, as "<json path>: <what>" (empty when it fits). */
export function schemaViolations(value: unknown, schema: Schema, root: Schema = schema, path = "$"): string[] {
  const node = resolve(schema, root);
  const problems: string[] = [];
  const types = typesOf(node);
  if (types.length > 0 && !types.some((type) => typeMatches(type, value))) {
    return [`${path}: expected ${types.join(" | ")}, got ${value === null ? "null" : Array.isArray(value) ? "array" : typeof value}`];
  }
  if (Array.isArray(node.enum) && !node.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(node.enum)}`);
  }
  if ("const" in node && JSON.stringify(node.const) !== JSON.stringify(value)) problems.push(`${path}: must be ${JSON.stringify(node.const)}`);
  for (const key of ["anyOf", "oneOf"]) {
    const options = node[key];
    if (Array.isArray(options) && !options.some((option) => isRecord(option) && schemaViolations(value, option, root, path).length === 0)) {
      problems.push(`${path}: matches none of ${key} (${options.map((option) => (isRecord(option) ? typesOf(resolve(option, root)).join("|") || "schema" : "?")).join(", ")})`);
    }
  }
  if (typeof value === "string") {
    if (typeof node.minLength === "number" && value.length < node.minLength) problems.push(`${path}: shorter than minLength ${node.minLength}`);
    if (typeof node.maxLength === "number" && value.length > node.maxLength) problems.push(`${path}: longer than maxLength ${node.maxLength}`);
    if (typeof node.pattern === "string" && !new RegExp(node.pattern, "u").test(value)) problems.push(`${path}: does not match pattern ${node.pattern}`);
    const format = typeof node.format === "string" ? FORMATS[node.format] : undefined;
    if (format !== undefined && !format.test(value)) problems.push(`${path}: not a ${String(node.format)}`);
  }
  if (typeof value === "number") {
    if (typeof node.minimum === "number" && value < node.minimum) problems.push(`${path}: below minimum ${node.minimum}`);
    if (typeof node.maximum === "number" && value > node.maximum) problems.push(`${path}: above maximum ${node.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof node.minItems === "number" && value.length < node.minItems) problems.push(`${path}: ${value.length} items, fewer than minItems ${node.minItems}`);
    if (typeof node.maxItems === "number" && value.length > node.maxItems) problems.push(`${path}: ${value.length} items, more than maxItems ${node.maxItems}`);
    if (isRecord(node.items)) {
      const items = node.items;
      value.forEach((item, index) => problems.push(...schemaViolations(item, items, root, `${path}[${index}]`)));
    }
  }
  if (isRecord(value)) {
    const properties = isRecord(node.properties) ? node.properties : {};
    for (const key of Array.isArray(node.required) ? node.required : []) {
      if (typeof key === "string" && !(key in value)) problems.push(`${path}: missing required property '${key}'`);
    }
    for (const [key, child] of Object.entries(value)) {
      const property = properties[key];
      if (isRecord(property)) problems.push(...schemaViolations(child, property, root, `${path}.${key}`));
      else if (node.additionalProperties === false) problems.push(`${path}: unexpected property '${key}'`);
    }
  }
  return problems;
}

/** The smallest value that fits `schema` (required properties only, first anyOf branch, minItems items). */
export function minimalInstance(schema: Schema, root: Schema = schema): unknown {
  const node = resolve(schema, root);
  if ("const" in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  for (const key of ["anyOf", "oneOf"]) {
    const options = node[key];
    if (Array.isArray(options) && isRecord(options[0])) return minimalInstance(options[0], root);
  }
  const type = typesOf(node)[0] ?? (isRecord(node.properties) ? "object" : "null");
  switch (type) {
    case "object": {
      const properties = isRecord(node.properties) ? node.properties : {};
      const required = Array.isArray(node.required) ? node.required.filter((key): key is string => typeof key === "string") : [];
      return Object.fromEntries(required.map((key) => {
        const property = properties[key];
        return [key, isRecord(property) ? minimalInstance(property, root) : null];
      }));
    }
    case "array": {
      const count = typeof node.minItems === "number" ? node.minItems : 0;
      const items = isRecord(node.items) ? node.items : {};
      return Array.from({ length: count }, () => minimalInstance(items, root));
    }
    case "string": {
      if (node.format === "date") return "2026-01-01";
      if (node.format === "date-time") return "2026-01-01T00:00:00Z";
      if (node.format === "email") return "model@example.com";
      if (node.format === "uuid") return "00000000-0000-4000-8000-000000000000";
      return "x".repeat(typeof node.minLength === "number" ? node.minLength : 1);
    }
    case "integer":
    case "number": return typeof node.minimum === "number" ? node.minimum : 0;
    case "boolean": return false;
    default: return null;
  }
}
