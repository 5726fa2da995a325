import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { VoiceRelay } from "../../../durable-objects/voice-relay/object";
import { KEEPALIVE_MS } from "../../../durable-objects/voice-relay/protocol";
import { testEnv } from "../../support/env";
import { dbRows, expectData, newClient, sql } from "../../support/factories";
import { roundTrips } from "../../support/neon-control";
import { grantLot } from "../credits/support";
import { createNote, type NoteJson } from "../notes/support";
import { liveTally, openLive, sendFrames, voiceCharges } from "./support";

/** docs/notes-and-voice.md#live-relay-as-built: eviction, the wall-clock cap, KeepAlive, the settlement's round trips. */
const relayOf = (noteId: string) => testEnv.VOICE_RELAY.get(testEnv.VOICE_RELAY.idFromName(noteId));
const settlementReference = async (userId: string) =>
  (await dbRows<{ reference: string }>(sql`select distinct reference from credit_ledger where user_id = ${userId} and reference like 'voice:%:settled'`)).map((row) => row.reference);
const noteOf = async (client: Awaited<ReturnType<typeof newClient>>, id: string) => expectData<NoteJson>(await client.request("GET", `/notes/${id}`));

describe("VoiceRelay recovery", () => {
  it("the object reset mid-stream (ctx.abort; evictDurableObject cannot evict an object holding sockets): no final segment lost, settled once by the next alarm", async () => {
    const client = await newClient({ tier: "pro" });
    await grantLot(client.userId, { kind: "purchased", amount: 10 });
    const note = await createNote(client, { content: "Before." });
    const socket = await openLive(client.accessToken, note.id, { script: { id: crypto.randomUUID(), frame_ms: 1000, final_every: 10 } });
    sendFrames(socket, 25);
    await socket.next((m) => m.type === "transcript" && m.is_final && m.text === "segment 2");
    const relay = relayOf(note.id);
    // evictDurableObject waits for in-flight requests to drain, and a relay's sockets are in flight for as long
    // as the session lasts – so the instance is torn down the way the platform does on a crash or a deploy:
    // ctx.abort() resets it (memory and sockets gone, storage kept).
    await runInDurableObject(relay, (_instance: VoiceRelay, state) => {
      try {
        state.abort("test: instance reset");
      } catch {
        // abort() throws in the aborted context by design.
      }
    }).catch(() => undefined);
    await socket.closed;
    // The restarted object (a fresh stub: the old one is broken with the instance) finds the session in its
    // storage and settles it (alarm, or the next socket).
    const restarted = relayOf(note.id);
    await runDurableObjectAlarm(restarted);
    const stored = await noteOf(client, note.id);
    // Nothing final is lost, nothing appended twice (an append the reset cut off after it committed is sent
    // again by the settlement and finds its segment rows: live-segments.test.ts).
    expect(stored.content).toBe("Before.\n\nsegment 1 segment 2");
    expect(stored.audio_duration_seconds).toBeGreaterThanOrEqual(20);
    expect(await voiceCharges(client.userId)).toEqual({ net: 5, settled: 5, settlements: 1, held: 0 });
    // A second alarm (or a repeat settlement) changes nothing.
    await runDurableObjectAlarm(restarted);
    expect(await voiceCharges(client.userId)).toEqual({ net: 5, settled: 5, settlements: 1, held: 0 });
    expect((await noteOf(client, note.id)).content).toBe(stored.content);
  });

  it("the 300 s wall-clock cap (the alarm) ends the stream with complete", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    const socket = await openLive(client.accessToken, note.id, { script: { id: crypto.randomUUID(), frame_ms: 1000, final_every: 10 } });
    sendFrames(socket, 10);
    await socket.next((m) => m.type === "transcript" && m.is_final);
    const relay = relayOf(note.id);
    // The cap is due: the stored deadline moved to the past (no sleeping for 300 s).
    await runInDurableObject(relay, (_instance: VoiceRelay, state) => {
      state.storage.sql.exec("update session set cap_at = 0");
    });
    await runDurableObjectAlarm(relay);
    expect(await socket.next((m) => m.type === "complete")).toEqual({ type: "complete", credits_used: 5, duration_seconds: 10, note_id: note.id });
    expect(await socket.closed).toBe(1000);
  });

  it("KeepAlive to Deepgram while the client is silent; settlement in ≤ 2 round trips", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    const id = crypto.randomUUID();
    const socket = await openLive(client.accessToken, note.id, { script: { id, frame_ms: 1000, final_every: 5 } });
    sendFrames(socket, 5);
    await socket.next((m) => m.type === "transcript" && m.is_final);
    // Silence for longer than the KeepAlive period (the platform's clock: the alarm compares real time).
    await new Promise((resolve) => setTimeout(resolve, KEEPALIVE_MS + 300));
    await runDurableObjectAlarm(relayOf(note.id));
    expect((await liveTally(id)).keepalives).toBeGreaterThanOrEqual(1);
    socket.send(JSON.stringify({ type: "end_stream" }));
    await socket.next((m) => m.type === "complete");
    const [reference] = await settlementReference(client.userId);
    expect(reference).toMatch(/^voice:.+:settled$/);
    const sessionId = (reference ?? "").slice("voice:".length, -":settled".length);
    expect(await roundTrips(`voice:${sessionId}:settle`)).toBeLessThanOrEqual(2);
    expect(await roundTrips(`voice:${sessionId}:settle`)).toBeGreaterThanOrEqual(1);
  });
});
