import fc from "fast-check";
import committed from "../../../contracts/openapi.json";
import { isSchema, type JsonSchema } from "../../conformance/exchange-values";
import type { TestClient } from "../../support/factories";
import { markerOf, type ResourceKind } from "./schema-fixtures";

/**
 * What schema-properties.test.ts generates requests from besides the schemas: the operations as it reads them,
 * realistic hints, and the rules the document states only in prose – kept on the generated values so a
 * refused request is a finding, not a generator that ignored the documentation.
 */
export interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: JsonSchema;
}
export interface Operation {
  name: string;
  method: string;
  path: string;
  parameters: Parameter[];
  body: { required: boolean; mediaTypes: string[]; schema: JsonSchema | undefined } | undefined;
  statuses: string[];
  bearer: boolean;
}

/** What one operation's requests are made of: the caller, its resources and values only the run can mint. */
export interface Setup {
  client: TestClient;
  resources: Partial<Record<ResourceKind, string>>;
  idTokens: string[];
  refreshTokens: string[];
  subscriptions: { endpoint: string; keys: { p256dh: string; auth: string } }[];
  tickets: string[];
}

export interface Generated {
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body: { json: unknown } | { raw: Uint8Array; contentType: string } | undefined;
}

const TIMEZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns"];
const RRULES = ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=MONTHLY;BYMONTHDAY=1", "FREQ=DAILY;INTERVAL=3", "FREQ=YEARLY"];
const HOUR = 3_600_000;

/** A real id of the caller's, or now and then a random one (a documented 404). */
export function realOrRandom(value: string | undefined): fc.Arbitrary<string> {
  return value === undefined ? fc.uuid() : fc.oneof({ arbitrary: fc.constant(value), weight: 3 }, { arbitrary: fc.uuid(), weight: 1 });
}

/** An instant between `fromHours` and `toHours` from now (RFC 3339). */
function fromNow(fromHours: number, toHours: number): fc.Arbitrary<string> {
  return fc.integer({ min: fromHours * 60, max: toHours * 60 }).map((minutes) => new Date(Date.now() + minutes * 60_000).toISOString());
}

/** Property names whose realistic values a random value almost never is (mixed with the schema's own values). */
export function hintsFor(setup: Setup): Record<string, fc.Arbitrary<unknown>> {
  const { resources } = setup;
  return {
    version: fc.constantFrom(1, 2),
    task_id: realOrRandom(resources.task),
    conversation_id: realOrRandom(resources.conversation),
    message: fc.string({ maxLength: 200 }).map((text) => `${markerOf(setup.client)} ${text}`),
    type: fc.constantFrom("payment_captured", "payment_approved", "payment_declined"),
    ...(setup.idTokens.length > 0 && { id_token: fc.constantFrom(...setup.idTokens) }),
    ...(setup.refreshTokens.length > 0 && { refresh_token: fc.constantFrom(...setup.refreshTokens) }),
  };
}

/**
 * Rules the document states in prose (descriptions, docs/*.md) that JSON Schema cannot: a random schema-valid
 * value breaks them and is refused as 400 VALIDATION_ERROR – rightly, and the conformance layer would report
 * it as a refused valid request. So these properties get only values that keep the rule (as schemathesis'
 * hooks do). Each one is a place where the document is looser than the API; tightening the document (an enum,
 * a pattern) lets the property be generated again.
 */
export function proseRulesFor(setup: Setup): Record<string, fc.Arbitrary<unknown>> {
  const rules: Record<string, fc.Arbitrary<unknown>> = {
    // An IANA time zone name (users/schemas.ts: "an IANA time zone").
    timezone: fc.constantFrom(...TIMEZONES),
    // The RFC 5545 subset of docs/recurring.md.
    rrule: fc.constantFrom(...RRULES),
    // A pack the deployment configures (CREDIT_PACKS; the test Worker's default has "small").
    pack: fc.constant("small"),
    // "1–50 characters after trimming" (tasks/schemas.ts): the pattern allows a blank tag, the API does not.
    tags: fc.array(fc.oneof(fc.constantFrom("work", "Home", " q1 ", "Ünïcode", "emoji 🙂"), fc.stringMatching(/^[a-z0-9][a-z0-9 ]{0,49}$/)), { maxLength: 10 }),
    // Reminders and series lie in the future ("remind_at has passed" / "no occurrence after now").
    remind_at: fromNow(1, 24 * 30),
    starts_at: fromNow(1, 24 * 30),
    // …and a series ends late enough to have one whatever its rule (a yearly one included).
    until: fc.option(fromNow(24 * 400, 24 * 800), { nil: null }),
    // The caller's task is due in 24 h: a relative reminder must still lie ahead.
    offset_minutes: fc.integer({ min: -600, max: 1440 }),
    // A confirmation's edits must fit the suggestion's own payload (docs/ai.md); none is always valid.
    edits: fc.constant({}),
  };
  // A push subscription's endpoint is an https URL on a public host and its keys a P-256 point and a 16-byte
  // secret ("400 VALIDATION_ERROR for a non-https or non-public endpoint, or keys that are not…").
  if (setup.subscriptions.length > 0) {
    rules.endpoint = fc.constantFrom(...setup.subscriptions.map((minted) => minted.endpoint));
    rules.keys = fc.constantFrom(...setup.subscriptions.map((minted) => minted.keys));
  }
  return rules;
}

/** Query parameters whose values only the server mints: an opaque `cursor` is one a listing handed out. */
export const SERVER_MINTED_QUERY = new Set(["cursor"]);

/**
 * Cross-field rules of a body, stated in the operation descriptions, applied to the generated body (keyed by
 * the body's component): a reminder names exactly one timing field and its `kind` matches it; a new one has one.
 */
export const CROSS_FIELD_RULES: Readonly<Record<string, (body: JsonSchema) => JsonSchema>> = {
  CreateReminder: (body) => reminderTiming({ ...body, ...(!("remind_at" in body) && !("offset_minutes" in body) && { remind_at: new Date(Date.now() + 2 * HOUR).toISOString() }) }),
  UpdateReminder: reminderTiming,
  // RFC 5545 §3.3.10: UNTIL and COUNT never together (the fields `until` and `count` stand for them).
  CreateTemplate: untilOrCount,
  UpdateTemplate: untilOrCount,
};

function untilOrCount(body: JsonSchema): JsonSchema {
  if (body.until === undefined || body.until === null || body.count === undefined || body.count === null) return body;
  const { count: _dropped, ...rest } = body;
  return rest;
}

function reminderTiming(body: JsonSchema): JsonSchema {
  const out = { ...body };
  if ("remind_at" in out && "offset_minutes" in out) {
    if (out.kind === "relative") delete out.remind_at;
    else delete out.offset_minutes;
  }
  const timing = "remind_at" in out ? "absolute" : "offset_minutes" in out ? "relative" : undefined;
  if (timing === undefined) delete out.kind;
  else if ("kind" in out) out.kind = timing;
  return out;
}

/**
 * docs/conventions.md#optimistic-locking: a PATCH carries the version it read, in the body or as If-Match, and
 * the two agree when both are sent – a rule over two parts of the request, kept on the generated request.
 */
export function keepVersionRule(operation: Operation, generated: Generated): Generated {
  if (!takesVersion(operation) || generated.body === undefined || !("json" in generated.body) || !isSchema(generated.body.json)) return generated;
  const body = generated.body.json;
  const { "if-match": header, ...others } = generated.headers;
  if (typeof body.version === "number") {
    if (header === undefined) return generated;
    // The header form holds at most 9 digits (IF_MATCH_PATTERN); a larger body version goes alone.
    return { ...generated, headers: body.version < 1e9 ? { ...others, "if-match": `"${body.version}"` } : others };
  }
  if (header !== undefined || operation.method !== "PATCH") return generated;
  return { ...generated, body: { json: { ...body, version: 1 } } };
}

function takesVersion(operation: Operation): boolean {
  const schema = operation.body?.schema;
  const component = componentOf(schema);
  const schemas: Record<string, unknown> = committed.components.schemas;
  const resolved = component === undefined ? schema : schemas[component];
  return isSchema(resolved) && isSchema(resolved.properties) && "version" in resolved.properties;
}

/** The component a body schema names (`{"$ref": "#/components/schemas/CreateTask"}` → CreateTask). */
export function componentOf(schema: JsonSchema | undefined): string | undefined {
  return typeof schema?.$ref === "string" ? schema.$ref.split("/").pop() : undefined;
}
