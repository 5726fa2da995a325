import { describe, expect, it } from "vitest";
import { call } from "../../support/requests";
import { wav } from "../../support/audio";
import { createTask, errorOf, expectData, newClient } from "../../support/factories";
import { createNote, transcribe, type NoteJson } from "./support";

const SOME_ID = "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b";

/** Every operation of the notes feature (docs/notes-and-voice.md). */
const OPERATIONS: [string, string][] = [
  ["GET", "/notes"],
  ["POST", "/notes"],
  ["GET", `/notes/${SOME_ID}`],
  ["PATCH", `/notes/${SOME_ID}`],
  ["DELETE", `/notes/${SOME_ID}`],
  ["GET", `/notes/${SOME_ID}/history`],
  ["GET", `/tasks/${SOME_ID}/notes`],
  ["POST", `/notes/${SOME_ID}/transcribe`],
];

describe("notes – security (docs/conventions.md#ownership)", () => {
  it("every operation without a token → 401 UNAUTHORIZED", async () => {
    for (const [method, path] of OPERATIONS) {
      const response = await call(`/api/v1${path}`, {
        method,
        headers: { "Idempotency-Key": crypto.randomUUID() },
        body: method === "GET" || method === "DELETE" ? undefined : {},
        invalid: true,
      });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect((await errorOf(response)).code).toBe("UNAUTHORIZED");
    }
  });

  it("another user's note and task → 404 everywhere, and nothing changes", async () => {
    const owner = await newClient({ tier: "pro" });
    const intruder = await newClient({ tier: "pro" });
    const task = await createTask(owner);
    const note = await createNote(owner, { content: "private", task_id: task.id });
    expect((await intruder.request("GET", `/notes/${note.id}`)).status).toBe(404);
    expect((await intruder.request("PATCH", `/notes/${note.id}`, { body: { version: 1, content: "stolen" } })).status).toBe(404);
    expect((await intruder.request("DELETE", `/notes/${note.id}`)).status).toBe(404);
    expect((await intruder.request("GET", `/notes/${note.id}/history`)).status).toBe(404);
    expect((await intruder.request("GET", `/tasks/${task.id}/notes`)).status).toBe(404);
    expect((await intruder.request("POST", "/notes", { body: { content: "sneak", task_id: task.id } })).status).toBe(404);
    expect((await transcribe(intruder, note.id, wav(3))).status).toBe(404);
    const listed = (await (await intruder.request("GET", `/notes?task_id=${task.id}`)).json()) as { data: unknown[] };
    expect(listed.data).toEqual([]);
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await owner.request("DELETE", `/notes/${note.id}`));
    expect((await intruder.request("POST", `/recovery/${tombstone_id}/restore`)).status).toBe(404);
    await expectData(await owner.request("POST", `/recovery/${tombstone_id}/restore`));
    expect(await expectData<NoteJson>(await owner.request("GET", `/notes/${note.id}`))).toMatchObject({ content: "private", task_id: task.id });
  });

  it("bad input → 400 VALIDATION_ERROR, never a 500", async () => {
    const client = await newClient();
    const note = await createNote(client);
    const cases: [string, string, unknown][] = [
      ["GET", "/notes/not-a-uuid", undefined],
      ["GET", "/notes?standalone=maybe", undefined],
      ["GET", "/notes?limit=0", undefined],
      ["GET", "/notes?cursor=%%%", undefined],
      ["GET", "/notes?q=", undefined],
      ["GET", "/notes?task_id=nope", undefined],
      ["GET", "/notes?unknown=1", undefined],
      ["GET", `/tasks/not-a-uuid/notes`, undefined],
      ["GET", `/notes/${note.id}/history?cursor=abc`, undefined],
      ["POST", "/notes", { content: 5 }],
      ["POST", "/notes", { content: "x", extra: true }],
      ["POST", "/notes", { content: "nul\u0000" }],
      ["POST", "/notes", { content: "x", task_id: "nope" }],
      ["PATCH", `/notes/${note.id}`, { version: 1, source: "voice" }],
      ["PATCH", `/notes/${note.id}`, { version: 0 }],
      ["PATCH", `/notes/not-a-uuid`, { version: 1 }],
    ];
    for (const [method, path, body] of cases) {
      const response = await client.request(method, path, { body, invalid: true });
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect((await errorOf(response)).code).toBe("VALIDATION_ERROR");
    }
    expect((await client.request("PATCH", `/notes/${note.id}`, { body: { version: 1 }, headers: { "If-Match": "garbage" }, invalid: true })).status).toBe(400);
    const noKey = await client.request("POST", "/notes", { body: { content: "x" }, key: null, invalid: true });
    expect((await errorOf(noKey)).code).toBe("IDEMPOTENCY_KEY_REQUIRED");
    const badId = await transcribe(client, "not-a-uuid", wav(1), { invalid: true });
    expect(badId.status).toBe(400);
  });
});
