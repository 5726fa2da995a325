import { describe, expect, it } from "vitest";
import { createTask, dbRows, errorOf, expectData, newClient, sql } from "../../support/factories";
import { createNote, type NoteJson } from "./support";

const count = async (query: ReturnType<typeof sql>) => Number((await dbRows<{ n: string }>(query))[0]?.n ?? 0);

describe("notes – errors and limits (docs/notes-and-voice.md)", () => {
  it("content over the plan's limit → 400 naming the limit; Pro may write 10000", async () => {
    const free = await newClient();
    const tooLong = await errorOf(await free.request("POST", "/notes", { body: { content: "x".repeat(2001) }, invalid: true }));
    expect(tooLong).toMatchObject({ status: 400, code: "VALIDATION_ERROR", details: [{ field: "content", reason: expect.stringContaining("2000") }] });
    // Code points, as Postgres counts them: 2000 emoji are 2000 characters (4000 UTF-16 units).
    expect((await free.request("POST", "/notes", { body: { content: "😀".repeat(2000) } })).status).toBe(201);
    const note = await createNote(free);
    const patch = await errorOf(await free.request("PATCH", `/notes/${note.id}`, { body: { version: 1, content: "y".repeat(2001) }, invalid: true }));
    expect(patch).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });

    const pro = await newClient({ tier: "pro" });
    expect((await pro.request("POST", "/notes", { body: { content: "z".repeat(10_000) } })).status).toBe(201);
    expect((await pro.request("POST", "/notes", { body: { content: "z".repeat(10_001) }, invalid: true })).status).toBe(400);
  });

  it("free: 10 notes per task and 50 standalone, exact under parallel creates → 409 {limit, current}", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const onTask = await Promise.all(Array.from({ length: 16 }, (_, i) => client.request("POST", "/notes", { body: { content: `n${i}`, task_id: task.id } })));
    const statuses = onTask.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(6);
    const refused = await errorOf(onTask[statuses.indexOf(409)] as Response);
    expect(refused).toMatchObject({ code: "LIMIT_EXCEEDED", details: { limit: 10, current: 10 } });
    expect(await count(sql`select count(*) as n from notes where task_id = ${task.id}`)).toBe(10);

    await dbRows(sql`insert into notes (user_id, content) select ${client.userId}, 'seeded ' || n from generate_series(1, 45) as n`);
    const standalone = await Promise.all(Array.from({ length: 12 }, (_, i) => client.request("POST", "/notes", { body: { content: `s${i}` } })));
    const standaloneStatuses = standalone.map((r) => r.status);
    expect(standaloneStatuses.filter((s) => s === 201)).toHaveLength(5);
    expect(await errorOf(standalone[standaloneStatuses.indexOf(409)] as Response)).toMatchObject({ code: "LIMIT_EXCEEDED", details: { limit: 50, current: 50 } });
    expect(await count(sql`select count(*) as n from notes where user_id = ${client.userId} and task_id is null`)).toBe(50);
  });

  it("Pro has no note-count limit", async () => {
    const client = await newClient({ tier: "pro" });
    const task = await createTask(client);
    await dbRows(sql`insert into notes (user_id, task_id, content) select ${client.userId}, ${task.id}, 'seeded' from generate_series(1, 12)`);
    expect((await client.request("POST", "/notes", { body: { content: "13th", task_id: task.id } })).status).toBe(201);
  });

  it("restoring a note when its destination is full → 409 LIMIT_EXCEEDED", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const note = await createNote(client, { task_id: task.id });
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/notes/${note.id}`));
    await dbRows(sql`insert into notes (user_id, task_id, content) select ${client.userId}, ${task.id}, 'filler' from generate_series(1, 10)`);
    expect(await errorOf(await client.request("POST", `/recovery/${tombstone_id}/restore`))).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED", details: { limit: 10, current: 10 } });
  });

  it("optimistic locking: a stale version → 409 with the current note; PATCH without a version → 400", async () => {
    const client = await newClient();
    const note = await createNote(client);
    await expectData(await client.request("PATCH", `/notes/${note.id}`, { body: { version: 1, content: "v2" } }));
    const stale = await errorOf(await client.request("PATCH", `/notes/${note.id}`, { body: { version: 1, content: "v3" } }));
    expect(stale).toMatchObject({ status: 409, code: "VERSION_CONFLICT", details: { current: { id: note.id, content: "v2", version: 2 } } });
    expect((await errorOf(await client.request("PATCH", `/notes/${note.id}`, { body: { content: "v3" }, invalid: true }))).status).toBe(400);
    const staleDelete = await errorOf(await client.request("DELETE", `/notes/${note.id}`, { headers: { "If-Match": '"1"' } }));
    expect(staleDelete).toMatchObject({ status: 409, code: "VERSION_CONFLICT" });

    const racers = await Promise.all(Array.from({ length: 8 }, (_, i) => client.request("PATCH", `/notes/${note.id}`, { body: { version: 2, content: `racer ${i}` } })));
    expect(racers.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
  });

  it("notes of an archived task are read-only → 409 TASK_ARCHIVED (create, patch, delete)", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const note = await createNote(client, { task_id: task.id });
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { version: 1, archived: true } }));
    expect((await errorOf(await client.request("POST", "/notes", { body: { content: "no", task_id: task.id } }))).code).toBe("TASK_ARCHIVED");
    expect((await errorOf(await client.request("PATCH", `/notes/${note.id}`, { body: { version: 1, content: "no" } }))).code).toBe("TASK_ARCHIVED");
    expect((await errorOf(await client.request("DELETE", `/notes/${note.id}`))).code).toBe("TASK_ARCHIVED");
    expect(await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`))).toEqual(note);
  });

  it("unknown ids → 404; a note on an unknown task → 404; a restored tombstone is gone", async () => {
    const client = await newClient();
    const missing = crypto.randomUUID();
    expect((await client.request("GET", `/notes/${missing}`)).status).toBe(404);
    expect((await client.request("PATCH", `/notes/${missing}`, { body: { version: 1, content: "x" } })).status).toBe(404);
    expect((await client.request("DELETE", `/notes/${missing}`)).status).toBe(404);
    expect((await client.request("GET", `/notes/${missing}/history`)).status).toBe(404);
    expect((await client.request("GET", `/tasks/${missing}/notes`)).status).toBe(404);
    expect((await errorOf(await client.request("POST", "/notes", { body: { content: "x", task_id: missing } }))).status).toBe(404);
    const note = await createNote(client);
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/notes/${note.id}`));
    await expectData(await client.request("POST", `/recovery/${tombstone_id}/restore`));
    expect((await client.request("POST", `/recovery/${tombstone_id}/restore`)).status).toBe(404);
    expect((await client.request("DELETE", `/notes/${note.id}`)).status).toBe(200);
  });
});
