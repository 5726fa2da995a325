import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { VoiceRelay } from "../../../durable-objects/voice-relay/object";
import { appendLiveSegments, settleLiveSession } from "../../../src/services/notes/live-transcription";
import { testEnv } from "../../support/env";
import { dbRows, expectData, newClient, sql, type TestClient } from "../../support/factories";
import { contextAt, grantLot } from "../credits/support";
import { createNote, type NoteJson } from "../notes/support";
import { openLive, sendFrames, voiceCharges } from "./support";

/**
 * docs/notes-and-voice.md#live-relay-as-built "Each final segment once": every append inserts the segments'
 * (session, seq) rows into live_transcript_segments ON CONFLICT DO NOTHING and appends only the text of the
 * rows it inserted, so a relay that crashed between the database commit and its own storage mark appends
 * nothing twice when it sends the segments again.
 */
const relayOf = (noteId: string) => testEnv.VOICE_RELAY.get(testEnv.VOICE_RELAY.idFromName(noteId));
const noteOf = async (client: TestClient, id: string) => expectData<NoteJson>(await client.request("GET", `/notes/${id}`));
const segmentRows = async (noteId: string) =>
  Number((await dbRows<{ n: number }>(sql`select count(*)::int as n from live_transcript_segments where note_id = ${noteId}`))[0]?.n);

describe("live segments are appended once", () => {
  it("the same segments appended twice (a retry after a crash), then settled with them again → the text once", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "Start." });
    const ctx = contextAt(client.userId);
    const base = { sessionId: crypto.randomUUID(), userId: client.userId, noteId: note.id, maxContentLength: 10_000 };
    const first = [
      { seq: 1, text: "one" },
      { seq: 2, text: "two" },
    ];
    expect(await appendLiveSegments({ ctx, input: { ...base, segments: first } })).toBe(true);
    // The relay lost its mark: the same segments again, then again together with a new one.
    expect(await appendLiveSegments({ ctx, input: { ...base, segments: first } })).toBe(false);
    expect(await appendLiveSegments({ ctx, input: { ...base, segments: [...first, { seq: 3, text: "three" }] } })).toBe(true);
    expect((await noteOf(client, note.id)).content).toBe("Start.\n\none two three");
    // The settlement re-sending everything (its mark lost too) appends only what is new.
    const segments = [...first, { seq: 3, text: "three" }, { seq: 4, text: "four" }];
    await settleLiveSession({ ctx, input: { ...base, segments, durationSeconds: 0 } });
    await settleLiveSession({ ctx, input: { ...base, segments, durationSeconds: 0 } });
    expect((await noteOf(client, note.id)).content).toBe("Start.\n\none two three four");
    expect(await segmentRows(note.id)).toBe(4);
  });

  it("parallel appends of the same segments (two retries racing) → the text once", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    const input = { sessionId: crypto.randomUUID(), userId: client.userId, noteId: note.id, maxContentLength: 10_000, segments: [{ seq: 1, text: "alpha" }, { seq: 2, text: "beta" }] };
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => appendLiveSegments({ ctx: contextAt(client.userId), input })));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect((await noteOf(client, note.id)).content).toBe("alpha beta");
  });

  it("the relay re-sending its segments after a reset that lost its marks → the note holds each final once", async () => {
    const client = await newClient({ tier: "pro" });
    await grantLot(client.userId, { kind: "purchased", amount: 10 });
    const note = await createNote(client, { content: "Before." });
    const socket = await openLive(client.accessToken, note.id, { script: { id: crypto.randomUUID(), frame_ms: 1000, final_every: 10 } });
    sendFrames(socket, 25);
    await socket.next((m) => m.type === "transcript" && m.is_final && m.text === "segment 2");
    await expect.poll(async () => (await noteOf(client, note.id)).content, { timeout: 10_000 }).toBe("Before.\n\nsegment 1 segment 2");
    const relay = relayOf(note.id);
    // The crash between the database commit of an append and the relay's own mark: the marks are undone,
    // then the instance is reset (memory and sockets gone, storage kept).
    await runInDurableObject(relay, (_instance: VoiceRelay, state) => {
      state.storage.sql.exec("update segments set appended = 0");
      try {
        state.abort("test: instance reset after the append committed");
      } catch {
        // abort() throws in the aborted context by design.
      }
    }).catch(() => undefined);
    await socket.closed;
    const restarted = relayOf(note.id);
    await runDurableObjectAlarm(restarted);
    // The settlement sent segments 1 and 2 again: nothing appended twice, 5 credits charged once.
    const stored = await noteOf(client, note.id);
    expect(stored.content).toBe("Before.\n\nsegment 1 segment 2");
    expect(stored.audio_duration_seconds).toBeGreaterThanOrEqual(20);
    expect(await voiceCharges(client.userId)).toEqual({ net: 5, settled: 5, settlements: 1, held: 0 });
    await runDurableObjectAlarm(restarted);
    expect((await noteOf(client, note.id)).content).toBe(stored.content);
  });

  it("the segment rows do not stand in the way of deleting and restoring the note", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    const socket = await openLive(client.accessToken, note.id, { script: { id: crypto.randomUUID(), frame_ms: 1000, final_every: 5 } });
    sendFrames(socket, 10);
    await socket.next((m) => m.type === "transcript" && m.is_final && m.text === "segment 2");
    socket.send(JSON.stringify({ type: "end_stream" }));
    await socket.next((m) => m.type === "complete");
    const before = await noteOf(client, note.id);
    expect(before.content).toBe("segment 1 segment 2");
    expect(await segmentRows(note.id)).toBe(2);
    const deletion = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/notes/${note.id}`));
    // Deleting the note takes its segment rows with it (cascade); the restore does not need them.
    expect(await segmentRows(note.id)).toBe(0);
    const restored = await expectData<{ note: NoteJson }>(await client.request("POST", `/recovery/${deletion.tombstone_id}/restore`));
    expect(restored.note).toMatchObject({ id: note.id, content: "segment 1 segment 2", source: "voice", audio_duration_seconds: 10 });
  });
});
