import fc from "fast-check";
import { isSchema, type JsonSchema } from "../conformance/exchange-values";

/**
 * fast-check arbitraries for the values a JSON Schema (OpenAPI 3.1: JSON Schema 2020-12) allows – the positive
 * half of schemathesis' style, for test/suites/hardening/schema-properties.test.ts. Covers what the committed
 * document's requests use: `$ref` into the document, `anyOf`/`oneOf`, type lists (nullable as `["x", "null"]`),
 * `enum`/`const`, objects with `required` and closed or open `additionalProperties`, arrays with
 * `minItems`/`maxItems`, strings with `minLength`/`maxLength`, `pattern` (fast-check's `stringMatching`) and the
 * formats uuid, date-time, email and uri, integers and numbers with `minimum`/`maximum`.
 *
 * Strings stay short (a few dozen characters) but also hit their `maxLength` exactly, so length checks meet
 * their boundary. `hints` give a property name realistic values (a real IANA time zone, an RRULE) that a random
 * string would almost never be, so generated requests also reach the success paths; they are mixed with the
 * schema's own values. `overrides` replace them, for rules the document states only in prose. Every generated value must match the schema – the conformance layer
 * validates each request the test sends, so a generator bug fails loudly as a request violation.
 */
export interface SchemaArbitraryOptions {
  /** The document `$ref`s point into (`#/components/schemas/...`). */
  document: JsonSchema;
  /** Property name → values preferred for it (schema-valid ones), mixed with the schema's own. */
  hints?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /**
   * Property name → the only values generated for it: for rules the document states in prose, beyond what JSON
   * Schema can say (an IANA time zone, a configured pack), which a random schema-valid value would break.
   */
  overrides?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
}

/** Longest string generated below a schema's `maxLength` (boundary values aside). */
const SHORT = 40;
/** Longest array generated (below `maxItems`). */
const FEW = 4;
const MIN_DATE = new Date("2000-01-01T00:00:00Z");
const MAX_DATE = new Date("2100-01-01T00:00:00Z");

export function schemaArbitrary(schema: JsonSchema, options: SchemaArbitraryOptions): fc.Arbitrary<unknown> {
  return arbitrary(schema, options, 0);
}

function arbitrary(schema: JsonSchema, options: SchemaArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
  if (depth > 8) throw new Error("schema nests deeper than the generator follows (a recursive $ref?)");
  if (typeof schema.$ref === "string") return arbitrary(resolve(schema.$ref, options.document), options, depth + 1);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) return fc.oneof(...alternatives.filter(isSchema).map((alternative) => arbitrary(alternative, options, depth + 1)));
  if (Array.isArray(schema.enum)) {
    const values: unknown[] = schema.enum;
    return fc.constantFrom(...values);
  }
  if ("const" in schema) return fc.constant(schema.const);
  const types = Array.isArray(schema.type) ? schema.type.filter((type): type is string => typeof type === "string") : typeof schema.type === "string" ? [schema.type] : [];
  if (types.length === 0) return anyJson;
  return fc.oneof(...types.map((type) => ofType(type, schema, options, depth)));
}

function ofType(type: string, schema: JsonSchema, options: SchemaArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return fc.integer({ min: numberOr(schema.minimum, -(2 ** 31)), max: numberOr(schema.maximum, 2 ** 31 - 1) });
    case "number":
      return fc.double({ min: numberOr(schema.minimum, -1e9), max: numberOr(schema.maximum, 1e9), noNaN: true, noDefaultInfinity: true });
    case "string":
      return stringOf(schema);
    case "array": {
      const items = isSchema(schema.items) ? arbitrary(schema.items, options, depth + 1) : anyJson;
      const minLength = numberOr(schema.minItems, 0);
      return fc.array(items, { minLength, maxLength: Math.max(minLength, Math.min(numberOr(schema.maxItems, FEW), FEW)) });
    }
    case "object":
      return objectOf(schema, options, depth);
    default:
      throw new Error(`the generator knows no JSON Schema type "${type}"`);
  }
}

function objectOf(schema: JsonSchema, options: SchemaArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const names = Object.keys(properties);
  if (names.length === 0) {
    // An open map (`additionalProperties: {}`): a few keys of any JSON value.
    return schema.additionalProperties === false ? fc.constant({}) : fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), anyJson, { maxKeys: 3 });
  }
  const required = Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === "string") : [];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) {
    const property = properties[name];
    if (!isSchema(property)) continue;
    const override = options.overrides?.[name];
    if (override !== undefined) {
      model[name] = override;
      continue;
    }
    const own = arbitrary(property, options, depth + 1);
    const hint = options.hints?.[name];
    model[name] = hint === undefined ? own : fc.oneof({ arbitrary: hint, weight: 3 }, { arbitrary: own, weight: 1 });
  }
  return fc.record(model, { requiredKeys: required.filter((name) => name in model) });
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = numberOr(schema.minLength, 0);
  const maxLength = numberOr(schema.maxLength, SHORT * 4);
  const fits = (value: string) => [...value].length >= minLength && [...value].length <= maxLength;
  switch (schema.format) {
    case "uuid":
      return fc.uuid();
    case "date-time":
      return fc.date({ min: MIN_DATE, max: MAX_DATE, noInvalidDate: true }).map((date) => date.toISOString());
    case "email":
      return fc.emailAddress().filter(fits);
    case "uri":
      // The document's URIs are https links (`pattern` says so where it matters).
      return fc.webUrl({ validSchemes: ["https"] }).filter((value) => fits(value) && matches(schema, value));
    default:
  }
  if (typeof schema.pattern === "string") {
    const pattern = new RegExp(schema.pattern, "u");
    return fc
      .stringMatching(pattern)
      .map((value) => [...value].slice(0, maxLength).join(""))
      .filter((value) => fits(value) && pattern.test(value));
  }
  const upTo = Math.max(minLength, Math.min(maxLength, SHORT));
  const short = fc.oneof(fc.string({ unit: "grapheme-ascii", minLength, maxLength: upTo }), fc.string({ unit: "grapheme", minLength, maxLength: upTo })).filter(fits);
  // The boundary itself: exactly maxLength characters (one code point each, as JSON Schema counts them).
  const boundary = fc.constantFrom("a", "Z", "0", "é", "ß").map((char) => char.repeat(maxLength));
  return maxLength <= 10_000 && maxLength > upTo ? fc.oneof({ arbitrary: short, weight: 4 }, { arbitrary: boundary, weight: 1 }) : short;
}

function matches(schema: JsonSchema, value: string): boolean {
  return typeof schema.pattern !== "string" || new RegExp(schema.pattern, "u").test(value);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" ? value : fallback;
}

function resolve(ref: string, document: JsonSchema): JsonSchema {
  if (!ref.startsWith("#/")) throw new Error(`only local $refs are followed, not ${ref}`);
  let node: unknown = document;
  for (const segment of ref.slice(2).split("/")) {
    const key = segment.replace(/~1/g, "/").replace(/~0/g, "~");
    node = isSchema(node) ? node[key] : undefined;
  }
  if (!isSchema(node)) throw new Error(`the $ref ${ref} points at nothing`);
  return node;
}

/** Any small JSON value, for schemas that allow anything (`{}`). */
const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 }).map((value) => value);
