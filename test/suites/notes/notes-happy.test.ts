import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { createTask, dbRows, expectData, newClient, sql } from "../../support/factories";
import { createNote, type NoteJson } from "./support";

type Entry = { action: string; entity_type: string; entity_id: string; changes: Record<string, { from: unknown; to: unknown }> };
type Page = { data: NoteJson[]; next_cursor: string | null };

describe("notes – happy paths (docs/notes-and-voice.md)", () => {
  it("creates, reads, patches and lists a note within the round-trip budget", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const createId = newRequestId("note-create");
    const note = await expectData<NoteJson>(await client.request("POST", "/notes", { body: { content: "Call the printer", task_id: task.id }, requestId: createId }), 201);
    expect(note).toMatchObject({ task_id: task.id, content: "Call the printer", source: "text", audio_duration_seconds: null, transcript_status: "none", archived: false, version: 1 });
    expect(await roundTrips(createId)).toBe(2);

    const getId = newRequestId("note-get");
    const read = await client.request("GET", `/notes/${note.id}`, { requestId: getId });
    expect(read.headers.get("ETag")).toBe('"1"');
    expect(await expectData<NoteJson>(read)).toEqual(note);
    expect(await roundTrips(getId)).toBe(1);

    const patchId = newRequestId("note-patch");
    const patched = await expectData<NoteJson>(await client.request("PATCH", `/notes/${note.id}`, { body: { content: "Call the printer – done" }, headers: { "If-Match": '"1"' }, requestId: patchId }));
    expect(patched).toMatchObject({ content: "Call the printer – done", archived: false, version: 2 });
    expect(await roundTrips(patchId)).toBe(2);

    // Omitted = unchanged: archiving keeps the content.
    const archived = await expectData<NoteJson>(await client.request("PATCH", `/notes/${note.id}`, { body: { version: 2, archived: true } }));
    expect(archived).toMatchObject({ content: "Call the printer – done", archived: true, version: 3 });
    // A PATCH that changes nothing: same version.
    expect(await expectData<NoteJson>(await client.request("PATCH", `/notes/${note.id}`, { body: { version: 3, archived: true } }))).toMatchObject({ version: 3 });

    const listId = newRequestId("note-list");
    const active = (await (await client.request("GET", "/notes", { requestId: listId })).json()) as Page;
    expect(active).toEqual({ data: [], next_cursor: null });
    expect(await roundTrips(listId)).toBe(1);
    const onlyArchived = (await (await client.request("GET", "/notes?archived=true")).json()) as Page;
    expect(onlyArchived.data.map((n) => n.id)).toEqual([note.id]);

    const taskNotesId = newRequestId("task-notes");
    const onTask = (await (await client.request("GET", `/tasks/${task.id}/notes`, { requestId: taskNotesId })).json()) as Page;
    expect(onTask.data.map((n) => n.id)).toEqual([note.id]);
    expect(await roundTrips(taskNotesId)).toBe(1);
  });

  it("filters by task and standalone, pages with a cursor, and searches by stemmed words", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const onTask = await createNote(client, { content: "She runs every morning", task_id: task.id });
    const alone = await createNote(client, { content: "Groceries: milk and coffee" });
    const third = await createNote(client, { content: "The runner's plan for Sunday" });

    const standalone = (await (await client.request("GET", "/notes?standalone=true")).json()) as Page;
    expect(standalone.data.map((n) => n.id)).toEqual([third.id, alone.id]);
    const byTask = (await (await client.request("GET", `/notes?task_id=${task.id}`)).json()) as Page;
    expect(byTask.data.map((n) => n.id)).toEqual([onTask.id]);

    const first = (await (await client.request("GET", "/notes?limit=2")).json()) as Page;
    expect(first.data.map((n) => n.id)).toEqual([third.id, alone.id]);
    expect(first.next_cursor).not.toBeNull();
    const second = (await (await client.request("GET", `/notes?limit=2&cursor=${first.next_cursor ?? ""}`)).json()) as Page;
    expect(second).toEqual({ data: [expect.objectContaining({ id: onTask.id })], next_cursor: null });

    // English stemming: "running" and "runs" share the stem "run".
    const running = (await (await client.request("GET", `/notes?q=${encodeURIComponent("running")}`)).json()) as Page;
    expect(running.data.map((n) => n.id)).toEqual([onTask.id]);
    const coffee = (await (await client.request("GET", `/notes?q=${encodeURIComponent("coffee -tea")}&standalone=true`)).json()) as Page;
    expect(coffee.data.map((n) => n.id)).toEqual([alone.id]);
  });

  it("a deleted note is listed in /recovery and restored alone with its id; its history survives", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const note = await createNote(client, { content: "Keep this thought", task_id: task.id });
    await expectData(await client.request("PATCH", `/notes/${note.id}`, { body: { version: 1, content: "Keep this thought!" } }));
    const deleteId = newRequestId("note-delete");
    const deletion = await expectData<{ tombstone_id: string; entity_type: string; entity_id: string }>(
      await client.request("DELETE", `/notes/${note.id}`, { headers: { "If-Match": '"2"' }, requestId: deleteId }),
    );
    expect(deletion).toMatchObject({ entity_type: "note", entity_id: note.id });
    expect(await roundTrips(deleteId)).toBe(2);
    expect((await client.request("GET", `/notes/${note.id}`)).status).toBe(404);

    const listed = (await (await client.request("GET", "/recovery")).json()) as { data: { id: string; entity_type: string; entity_id: string; title: string }[] };
    expect(listed.data).toEqual([expect.objectContaining({ id: deletion.tombstone_id, entity_type: "note", entity_id: note.id, title: "Keep this thought!" })]);

    const restoreId = newRequestId("note-restore");
    const restored = await expectData<{ entity_type: string; entity_id: string; note: NoteJson }>(
      await client.request("POST", `/recovery/${deletion.tombstone_id}/restore`, { requestId: restoreId }),
    );
    expect(restored).toMatchObject({ entity_type: "note", entity_id: note.id, note: { id: note.id, task_id: task.id, content: "Keep this thought!", version: 3 } });
    expect(await roundTrips(restoreId)).toBe(2);
    expect(await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`))).toEqual(restored.note);

    const history = (await (await client.request("GET", `/notes/${note.id}/history`)).json()) as { data: Entry[] };
    expect(history.data.map((e) => e.action)).toEqual(["created", "updated", "deleted", "restored"]);
    expect(history.data[1]?.changes).toEqual({ content: { from: "Keep this thought", to: "Keep this thought!" } });
  });

  it("a note whose task was deleted meanwhile comes back standalone", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const note = await createNote(client, { content: "orphan", task_id: task.id });
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/notes/${note.id}`));
    await expectData(await client.request("DELETE", `/tasks/${task.id}`));
    const restored = await expectData<{ note: NoteJson }>(await client.request("POST", `/recovery/${tombstone_id}/restore`));
    expect(restored.note).toMatchObject({ id: note.id, task_id: null, content: "orphan" });
  });

  it("notes inside a deleted task's tombstone come back with the task, with their ids", async () => {
    const client = await newClient();
    const task = await createTask(client, { title: "Holder" });
    const first = await createNote(client, { content: "first", task_id: task.id });
    const second = await createNote(client, { content: "second", task_id: task.id });
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${task.id}`));
    expect((await client.request("GET", `/notes/${first.id}`)).status).toBe(404);
    await expectData(await client.request("POST", `/recovery/${tombstone_id}/restore`));
    const notes = (await (await client.request("GET", `/tasks/${task.id}/notes`)).json()) as Page;
    expect(notes.data.map((n) => n.id).sort()).toEqual([first.id, second.id].sort());
    expect(await expectData<NoteJson>(await client.request("GET", `/notes/${first.id}`))).toEqual(first);
  });

  it("records note changes in the activity log with the request id", async () => {
    const client = await newClient();
    const requestId = newRequestId("note-activity");
    const note = await expectData<NoteJson>(await client.request("POST", "/notes", { body: { content: "logged" }, requestId }), 201);
    const rows = await dbRows<{ entity_type: string; action: string; request_id: string }>(
      sql`select entity_type, action, request_id from activity_log where entity_id = ${note.id}`,
    );
    expect(rows).toEqual([{ entity_type: "note", action: "created", request_id: requestId }]);
  });
});
