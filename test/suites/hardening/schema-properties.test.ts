import fc from "fast-check";
import { describe, expect, it } from "vitest";
import committed from "../../../contracts/openapi.json";
import { isSchema, type JsonSchema } from "../../conformance/exchange-values";
import { wav } from "../../support/audio";
import { randomIp } from "../../support/auth";
import { newClient, type TestClient } from "../../support/factories";
import { call, newRequestId } from "../../support/requests";
import { schemaArbitrary } from "../../support/schema-arbitrary";
import { sign } from "../billing/support";
import { createResource, kindOfParameter, mintedIdTokens, pushSubscriptions, refreshTokens, scriptModelFor, type ResourceKind } from "./schema-fixtures";
import {
  componentOf,
  CROSS_FIELD_RULES,
  hintsFor,
  keepVersionRule,
  proseRulesFor,
  realOrRandom,
  SERVER_MINTED_QUERY,
  type Generated,
  type Operation,
  type Setup,
} from "./schema-rules";

/**
 * Schema-driven property cases over EVERY operation of contracts/openapi.json (the positive half of
 * schemathesis' style; hostile-input.test.ts is the negative half): for each operation fast-check generates
 * requests the document allows – bodies, query parameters and headers from the operation's own schemas
 * (test/support/schema-arbitrary.ts), path parameters that are the caller's own real resources or random ids –
 * and sends them as a real client (a valid token, an Idempotency-Key and If-Match where documented). `call`
 * validates every request and response against the document (test/support/contract.ts): a documented status,
 * a body matching that status's schema, and never a 400 VALIDATION_ERROR for a request the document allows.
 * On top, this file asserts no 5xx except the 503s listed in DOCUMENTED_503 with their reason. The seed is fixed
 * so a failure reproduces; a failure names the request.
 */
const RUNS_PER_OPERATION = 16;
const CONCURRENCY = 4;
const SEED = 20261203;

/**
 * Operations that may answer 503 to a valid request here, and why. None: every provider the document's 503s
 * name (the AI model, Deepgram, Checkout.com) is configured in the test Worker (test/vitest.config.ts) and
 * scripted by the fakes, and the database answers – so any 5xx is a finding.
 */
const DOCUMENTED_503: Readonly<Record<string, string>> = {};

/** Operations of the document no generated request reaches, and why (none today; the test fails on any other). */
const NOT_GENERATED: Readonly<Record<string, string>> = {};

const document: JsonSchema = committed;
const operations: Operation[] = Object.entries(committed.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => read(path, method, operation)));

function read(path: string, method: string, raw: unknown): Operation {
  if (!isSchema(raw)) throw new Error(`${method} ${path} is not an operation object`);
  const parameters = (Array.isArray(raw.parameters) ? raw.parameters : []).filter(isSchema).map((parameter) => ({
    name: String(parameter.name),
    in: String(parameter.in),
    required: parameter.required === true,
    schema: isSchema(parameter.schema) ? parameter.schema : {},
  }));
  const requestBody = isSchema(raw.requestBody) ? raw.requestBody : undefined;
  const content = isSchema(requestBody?.content) ? requestBody.content : {};
  const json = isSchema(content["application/json"]) ? content["application/json"] : undefined;
  return {
    name: `${method.toUpperCase()} ${path}`,
    method: method.toUpperCase(),
    path,
    parameters,
    body: requestBody === undefined ? undefined : { required: requestBody.required === true, mediaTypes: Object.keys(content), schema: isSchema(json?.schema) ? json.schema : undefined },
    statuses: isSchema(raw.responses) ? Object.keys(raw.responses) : [],
    bearer: Array.isArray(raw.security) && raw.security.length > 0,
  };
}

const AUDIO_SECONDS = [0.5, 1, 2];


/** A generator of requests the document allows for `operation`. */
function requestsFor(operation: Operation, setup: Setup): fc.Arbitrary<Generated> {
  const hints = hintsFor(setup);
  const overrides = proseRulesFor(setup);
  const valueOf = (schema: JsonSchema) => schemaArbitrary(schema, { document, hints, overrides });
  const path = fc.tuple(
    ...operation.parameters
      .filter((parameter) => parameter.in === "path")
      .map((parameter) => {
        const kind = kindOfParameter(operation.path, parameter.name);
        if (kind === "tag") return fc.oneof({ arbitrary: fc.constant("property"), weight: 3 }, { arbitrary: valueOf(parameter.schema).map(String).filter((name) => name !== "." && name !== ".."), weight: 1 }).map((value) => [parameter.name, value] as const);
        return realOrRandom(setup.resources[kind]).map((value) => [parameter.name, value] as const);
      }),
  ).map((pairs) => pairs.reduce((template, [name, value]) => template.replace(`{${name}}`, encodeURIComponent(value)), operation.path));
  const query = fc
    .tuple(
      ...operation.parameters
        .filter((parameter) => parameter.in === "query" && !SERVER_MINTED_QUERY.has(parameter.name))
        .map((parameter) => {
          const special: Record<string, fc.Arbitrary<unknown>> = {
            ticket: setup.tickets.length > 0 ? fc.constantFrom(...setup.tickets) : valueOf(parameter.schema),
            note_id: realOrRandom(setup.resources.note),
            task_id: realOrRandom(setup.resources.task),
            entity_id: realOrRandom(setup.resources.task),
          };
          const value = special[parameter.name] ?? valueOf(parameter.schema);
          return parameter.required ? value.map((one) => ({ name: parameter.name, value: one })) : fc.option(value.map((one) => ({ name: parameter.name, value: one })), { nil: undefined });
        }),
    )
    .map((entries) => entries.flatMap((entry): [string, string][] => (entry === undefined ? [] : Array.isArray(entry.value) ? entry.value.map((item) => [entry.name, String(item)]) : [[entry.name, String(entry.value)]])));
  const headers = fc
    .tuple(
      ...operation.parameters
        .filter((parameter) => parameter.in === "header")
        .map((parameter) => {
          const name = parameter.name.toLowerCase();
          const special: Record<string, fc.Arbitrary<string>> = {
            "idempotency-key": fc.oneof({ arbitrary: fc.uuid(), weight: 3 }, { arbitrary: valueOf(parameter.schema).map(String), weight: 1 }),
            "if-match": fc.oneof(fc.constantFrom('"1"', '"2"', 'W/"1"', "1"), valueOf(parameter.schema).map(String)),
            "sec-websocket-protocol": fc.constant(`bearer, ${setup.client.accessToken}`),
            // The metrics scrape token (not configured in the test Worker: a documented 404 whatever is sent).
            authorization: fc.oneof(fc.string({ maxLength: 64 }).map((token) => `Bearer ${token}`), valueOf(parameter.schema).map(String)),
          };
          const value = special[name] ?? valueOf(parameter.schema).map(String);
          // `Idempotency-Key` is required on these writes (the document says so); the socket's protocol carries its token.
          return parameter.required || name === "sec-websocket-protocol" ? value.map((one) => [name, one] as const) : fc.option(value.map((one) => [name, one] as const), { nil: undefined });
        }),
    )
    .map((pairs) => Object.fromEntries(pairs.filter((pair) => pair !== undefined)));
  return fc.record({ path, query, headers, body: bodyOf(operation, valueOf) }).map((generated) => keepVersionRule(operation, generated));
}

function bodyOf(operation: Operation, valueOf: (schema: JsonSchema) => fc.Arbitrary<unknown>): fc.Arbitrary<Generated["body"]> {
  const body = operation.body;
  if (body === undefined) return fc.constant(undefined);
  let arbitrary: fc.Arbitrary<Generated["body"]>;
  const rule = CROSS_FIELD_RULES[componentOf(body.schema) ?? ""];
  if (body.schema !== undefined) arbitrary = valueOf(body.schema).map((json) => ({ json: rule !== undefined && isSchema(json) ? rule(json) : json }));
  else if (body.mediaTypes.includes("audio/wav")) {
    // A transcription's audio: a real WAV of silence (the Deepgram fake transcribes it); the other audio types
    // are documented too, but the fake decodes only WAV – they would test the fake, not the API.
    arbitrary = fc.constantFrom(...AUDIO_SECONDS).map((seconds) => ({ raw: wav(seconds), contentType: "audio/wav" }));
  } else throw new Error(`${operation.name}: no generator for a body of ${body.mediaTypes.join(", ")}`);
  return body.required ? arbitrary : fc.option(arbitrary, { nil: undefined });
}

/** What the operation's requests need beyond the schema: resources for its path, tokens it consumes. */
async function setupFor(operation: Operation): Promise<Setup> {
  // Pro, so the AI routes have credits – except for the Pro checkout itself (a Pro user gets a documented 409).
  const client = await newClient({ tier: operation.path === "/api/v1/subscription/checkout" ? "free" : "pro" });
  const kinds = new Set<ResourceKind>(operation.parameters.filter((parameter) => parameter.in === "path" && parameter.name !== "name").map((parameter) => kindOfParameter(operation.path, parameter.name)));
  if (operation.parameters.some((parameter) => parameter.name === "note_id")) kinds.add("note");
  // A task for `task_id` fields and parameters (bodies of notes, focus sessions, chats; list filters).
  kinds.add("task");
  if (JSON.stringify(operation.body?.schema ?? {}).includes("ChatRequest")) kinds.add("conversation");
  if (operation.path.includes("{name}")) await createResource(client, "tag");
  const resources: Setup["resources"] = {};
  for (const kind of kinds) resources[kind] = await createResource(client, kind);
  if (operation.path.startsWith("/api/v1/ai/")) await scriptModelFor(client, operation.path);
  const tickets = operation.path === "/api/v1/events/stream" ? await Promise.all(Array.from({ length: RUNS_PER_OPERATION }, () => ticketOf(client))) : [];
  return {
    client,
    resources,
    idTokens: operation.path === "/api/v1/auth/google" ? await mintedIdTokens(RUNS_PER_OPERATION) : [],
    refreshTokens: ["/api/v1/auth/refresh", "/api/v1/auth/logout"].includes(operation.path) ? await refreshTokens(4) : [],
    subscriptions: operation.path === "/api/v1/push/subscriptions" && operation.method === "POST" ? await pushSubscriptions(RUNS_PER_OPERATION) : [],
    tickets,
  };
}

async function ticketOf(client: TestClient): Promise<string> {
  const response = await client.request("POST", "/events/tickets");
  const { data } = (await response.json()) as { data: { ticket: string } };
  return data.ticket;
}

/** Sends one generated request the way a real client would; the contract layer checks both halves. */
async function send(operation: Operation, setup: Setup, generated: Generated, requestId: string): Promise<Response> {
  const headers: Record<string, string> = { "CF-Connecting-IP": randomIp(), ...generated.headers };
  if (operation.bearer) headers.Authorization = `Bearer ${setup.client.accessToken}`;
  const query = new URLSearchParams(generated.query).toString();
  const target = query === "" ? generated.path : `${generated.path}?${query}`;
  const body = generated.body;
  if (body === undefined) return call(target, { method: operation.method, headers, requestId });
  if ("raw" in body) return call(target, { method: operation.method, headers: { ...headers, "Content-Type": body.contentType }, rawBody: body.raw, requestId });
  const text = JSON.stringify(body.json);
  // A Checkout.com event is signed over its exact bytes, with the run's webhook secret.
  if (operation.path === "/api/v1/webhooks/checkout") headers["cko-signature"] = await sign(text);
  return call(target, { method: operation.method, headers: { ...headers, "Content-Type": "application/json" }, rawBody: text, requestId });
}

/** Ends what a response holds open: a WebSocket is accepted and closed, a stream cancelled, a body read. */
async function settle(operation: Operation, response: Response): Promise<string> {
  if (response.webSocket !== null) {
    response.webSocket.accept();
    response.webSocket.close(1000, "property case done");
    return "";
  }
  if ((response.headers.get("content-type") ?? "").startsWith("text/event-stream") && operation.path === "/api/v1/events/stream") {
    await response.body?.cancel();
    return "";
  }
  return response.text();
}

describe("schema-driven requests over every documented operation", () => {
  it("covers every operation of the committed document (or names why not)", () => {
    const generated = operations.filter((operation) => !(operation.name in NOT_GENERATED)).map((operation) => operation.name);
    expect(generated.length + Object.keys(NOT_GENERATED).length).toBe(operations.length);
    expect(Object.keys(NOT_GENERATED).filter((name) => !operations.some((operation) => operation.name === name))).toEqual([]);
    expect(Object.keys(DOCUMENTED_503).filter((name) => !operations.some((operation) => operation.name === name && operation.statuses.includes("503")))).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(84);
  });

  const generated = operations.filter((operation) => !(operation.name in NOT_GENERATED));
  it.each(generated.map((operation, index) => ({ operation, index, name: operation.name })))(
    "$name: generated valid requests get documented answers, never a 5xx",
    async ({ operation, index }) => {
      const setup = await setupFor(operation);
      const samples = fc.sample(requestsFor(operation, setup), { numRuns: RUNS_PER_OPERATION, seed: SEED + index });
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      for (let start = 0; start < samples.length; start += CONCURRENCY) {
        await Promise.all(
          samples.slice(start, start + CONCURRENCY).map(async (sample) => {
            const requestId = newRequestId("property");
            const response = await send(operation, setup, sample, requestId);
            const text = await settle(operation, response);
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            const allowed503 = response.status === 503 && operation.name in DOCUMENTED_503;
            const documented = operation.statuses.includes(String(response.status));
            if (!documented || (response.status >= 500 && !allowed503)) failures.push(`${response.status} ${operation.method} ${sample.path} (${requestId}): ${text.slice(0, 300)} <- ${JSON.stringify(sample).slice(0, 300)}`);
          }),
        );
      }
      console.log(`${operation.name}: ${[...statuses].map(([status, count]) => `${status}×${count}`).join(" ")}`);
      expect(failures).toEqual([]);
    },
    120_000,
  );
});
