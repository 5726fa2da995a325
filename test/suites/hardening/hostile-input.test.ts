import fc from "fast-check";
import { describe, expect, it } from "vitest";
import committed from "../../../contracts/openapi.json";
import { signTestAccessToken } from "../../support/auth";
import { createTask, dbRows, newClient, sql } from "../../support/factories";
import { scriptModel } from "../../support/openai";
import { call, newRequestId } from "../../support/requests";

/**
 * Hostile input over EVERY documented operation (docs/errors.md: a bad input is a clear 4xx, never a 5xx):
 * NUL, lone surrogates (as JSON escapes and as their raw UTF-8 bytes), invalid UTF-8, dot segments and
 * encoded slashes in path parameters and query strings, odd header values, and bodies that are not JSON,
 * not UTF-8, truncated or deeply nested. 375 generated requests per operation (27 operations: over 10,000
 * requests per run), spread over many users so the rate limits do not hide the handlers. The seed is fixed
 * so a failure reproduces; a failure names the request.
 */
const RUNS_PER_OPERATION = 375;
const USERS_PER_OPERATION = 5;
const SEED = 20261201;

type Operation = { method: string; path: string };
const operations: Operation[] = Object.entries(committed.paths).flatMap(([path, item]) =>
  Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })),
);

/** Raw (already percent-encoded) path and query fragments, hostile and ordinary. */
const rawFragment = fc.oneof(
  fc.constantFrom("%00", "a%00b", "%FF", "%ED%A0%80", "%C3%28", "%E2%82", "%F4%90%80%80", "%2F", "..", "%2e%2e", "%2E", "%25", "%", "%zz", "x".repeat(600)),
  fc.string({ maxLength: 40 }).map((value) => encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, "x"))),
  fc.uuid(),
);

const jsonString = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom("\u0000", "a\u0000b", "\uD800", "x\uDFFFy", "\uFEFF", "\u202E", "😀", "", " "));
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    jsonString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(jsonString, fc.constantFrom("title", "version", "tags", "ids", "completed", "name", "due_date", "id_token", "refresh_token")), tie("value"), { maxKeys: 5 }),
  ),
})).value;

const encoder = new TextEncoder();
const body = fc.oneof(
  fc.constant<Uint8Array | undefined>(undefined),
  // JSON whose strings carry NUL and lone surrogates as escapes (JSON.stringify writes \\ud800 for them).
  jsonValue.map((value) => encoder.encode(JSON.stringify(value))),
  // Not UTF-8 at all, or JSON with invalid bytes inside a string.
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom(
    Uint8Array.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
    encoder.encode('{"title": "trunc'),
    encoder.encode("[".repeat(5000)),
    encoder.encode("null"),
  ),
);

const headerValue = fc.oneof(fc.string({ maxLength: 40 }).map((value) => value.replace(/[^\x20-\x7e]/g, "")), fc.constantFrom("", " ", '"1"', "W/\"2\"", "*", "x".repeat(300)));

interface Sample {
  params: string[];
  query: [string, string][];
  contentType: string | undefined;
  ifMatch: string | undefined;
  key: string | undefined;
  authorization: "valid" | "garbage" | "none";
  body: Uint8Array | undefined;
}

const sample: fc.Arbitrary<Sample> = fc.record({
  params: fc.array(rawFragment, { minLength: 2, maxLength: 2 }),
  query: fc.array(fc.tuple(fc.oneof(fc.constantFrom("q", "cursor", "limit", "completed", "tags", "priority", "sort", "hidden", "entity_type", "due_before"), rawFragment), rawFragment), { maxLength: 4 }),
  contentType: fc.constantFrom(undefined, "application/json", "application/json", "text/plain", "application/json; charset=latin1", "multipart/form-data"),
  ifMatch: fc.option(headerValue, { nil: undefined }),
  key: fc.option(headerValue, { nil: undefined }),
  authorization: fc.constantFrom("valid", "valid", "valid", "garbage", "none"),
  body,
});

async function tokensFor(count: number): Promise<string[]> {
  const ids = await dbRows<{ id: string }>(sql`
    insert into users (google_sub, email, name)
    select 'hostile-' || gen_random_uuid(), gen_random_uuid() || '@hostile.test', 'Hostile ' || n from generate_series(1, ${count}) n
    returning id`);
  return Promise.all(ids.map((row) => signTestAccessToken({ sub: row.id })));
}

function requestFor(operation: Operation, input: Sample, token: string, realId: string): { path: string; init: RequestInit } {
  let index = 0;
  const path = operation.path.replace(/\{[a-z_]+\}/g, () => {
    const raw = input.params[index] ?? "x";
    index += 1;
    // Now and then the real id of the user's own task, so requests also get past the parameter checks.
    return raw.length % 3 === 0 ? realId : raw;
  });
  const query = input.query.map(([key, value]) => `${key}=${value}`).join("&");
  const headers = new Headers({ "CF-Connecting-IP": `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` });
  if (input.authorization === "valid") headers.set("Authorization", `Bearer ${token}`);
  if (input.authorization === "garbage") headers.set("Authorization", `Bearer ${token.slice(0, -5)}abcde`);
  if (input.contentType !== undefined) headers.set("Content-Type", input.contentType);
  if (input.ifMatch !== undefined) headers.set("If-Match", input.ifMatch);
  if (input.key !== undefined) headers.set("Idempotency-Key", input.key);
  const withBody = operation.method !== "GET" && input.body !== undefined;
  return { path: query === "" ? path : `${path}?${query}`, init: { method: operation.method, headers, ...(withBody && { body: input.body }) } };
}

describe("hostile input over every documented operation", () => {
  const all = fc.sample(sample, { numRuns: RUNS_PER_OPERATION * operations.length, seed: SEED });

  it("covers every operation of the committed document", () => {
    expect(operations.length).toBeGreaterThanOrEqual(27);
    expect(operations.length * RUNS_PER_OPERATION).toBeGreaterThanOrEqual(10_000);
  });

  it.each(operations.map((operation, index) => ({ ...operation, index })))(
    "$method $path: every generated request is answered below 500",
    async ({ method, path, index }) => {
      const owner = await newClient();
      const tokens = [owner.accessToken, ...(await tokensFor(USERS_PER_OPERATION))];
      const marker = `Target ${crypto.randomUUID()}`;
      const task = await createTask(owner, { title: marker });
      // A request that gets through to the subtask generator meets a model that proposes something (the fake's
      // unscripted answer is the smallest instance of the schema: no subtasks, which is an honest 503).
      if (path.startsWith("/api/v1/ai/tasks/")) await scriptModel({ match: marker, turns: [{ json: { subtasks: [{ title: "A first step" }] } }] });
      const mine = all.slice(index * RUNS_PER_OPERATION, (index + 1) * RUNS_PER_OPERATION);
      const failures: string[] = [];
      for (let start = 0; start < mine.length; start += 25) {
        const chunk = mine.slice(start, start + 25);
        await Promise.all(
          chunk.map(async (input, offset) => {
            const token = tokens[(start + offset) % tokens.length] ?? "";
            const { path: target, init } = requestFor({ method, path }, input, token, task.id);
            const requestId = newRequestId("hostile");
            const response = await call(target, { method: init.method ?? "GET", headers: Object.fromEntries(new Headers(init.headers).entries()), rawBody: init.body ?? undefined, requestId, invalid: true });
            if (response.status >= 500) failures.push(`${response.status} ${method} ${target} (${requestId}): ${(await response.text()).slice(0, 200)}`);
            else await response.body?.cancel();
          }),
        );
      }
      expect(failures).toEqual([]);
    },
    180_000,
  );
});
