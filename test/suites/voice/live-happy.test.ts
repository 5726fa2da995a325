import { describe, expect, it } from "vitest";
import { expectData, newClient, type TestClient } from "../../support/factories";
import { grantLot } from "../credits/support";
import { createNote, type NoteJson } from "../notes/support";
import { liveTally, openLive, sendFrames, voiceCharges } from "./support";

/**
 * Live transcription against the Deepgram live-socket fake (docs/notes-and-voice.md#live-relay-as-built).
 * Frames are "1 s of audio" each (frame_ms 1000) and a segment ends every 10 frames, so 70 frames are a
 * 70 s stream: 7 segments, each one interim then one final.
 */
async function proWithCredits(credits: number): Promise<TestClient> {
  const client = await newClient({ tier: "pro" });
  if (credits > 0) await grantLot(client.userId, { kind: "purchased", amount: credits });
  return client;
}


describe("GET /ws/voice/transcribe", () => {
  it("a 70 s stream: every interim and final in order, complete with 10 credits, the note holds the final text", async () => {
    const client = await proWithCredits(20);
    const note = await createNote(client, { content: "Meeting." });
    const id = crypto.randomUUID();
    const socket = await openLive(client.accessToken, note.id, { script: { id, frame_ms: 1000, final_every: 10 } });
    expect(socket.response.status).toBe(101);
    expect(socket.response.headers.get("Sec-WebSocket-Protocol")).toBe("bearer");
    sendFrames(socket, 70);
    await socket.next((m) => m.type === "transcript" && m.is_final && m.text === "segment 7");
    // Finals are in the note as they arrive, before the stream ends.
    await expect
      .poll(async () => (await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`))).content, { timeout: 10_000 })
      .toBe("Meeting.\n\nsegment 1 segment 2 segment 3 segment 4 segment 5 segment 6 segment 7");
    // The minutes the balance covers (20 + the kickstart 5 = 5 minutes) are reserved; nothing is settled yet.
    expect(await voiceCharges(client.userId)).toEqual({ net: 25, settled: 0, settlements: 0, held: 25 });
    socket.send(JSON.stringify({ type: "end_stream" }));
    const complete = await socket.next((m) => m.type === "complete");
    expect(complete).toEqual({ type: "complete", credits_used: 10, duration_seconds: 70, note_id: note.id });
    expect(await socket.closed).toBe(1000);

    const transcripts = socket.messages.filter((m) => m.type === "transcript");
    const expected = Array.from({ length: 7 }, (_, i) => [
      { type: "transcript", text: `segment ${i + 1}`, is_final: false },
      { type: "transcript", text: `segment ${i + 1}`, is_final: true },
    ]).flat();
    expect(transcripts).toEqual(expected);
    const stored = await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`));
    expect(stored.content).toBe("Meeting.\n\nsegment 1 segment 2 segment 3 segment 4 segment 5 segment 6 segment 7");
    expect(stored).toMatchObject({ source: "voice", audio_duration_seconds: 70, transcript_status: "done" });
    // Settled once: the reservation refunded, the 2 started minutes charged.
    expect(await voiceCharges(client.userId)).toEqual({ net: 10, settled: 10, settlements: 1, held: 0 });
    const tally = await liveTally(id);
    expect(tally).toMatchObject({ connections: 1, frames: 70, finalizes: 1, closes: 1 });
  });

  it("authenticates by a first {type:auth} message too", async () => {
    const client = await proWithCredits(0);
    const note = await createNote(client, { content: "" });
    const id = crypto.randomUUID();
    const socket = await openLive(client.accessToken, note.id, { auth: "message", script: { id, frame_ms: 1000, final_every: 5 } });
    expect(socket.response.headers.get("Sec-WebSocket-Protocol")).toBeNull();
    sendFrames(socket, 5);
    await socket.next((m) => m.type === "transcript" && m.is_final);
    socket.send(JSON.stringify({ type: "end_stream" }));
    expect(await socket.next((m) => m.type === "complete")).toMatchObject({ credits_used: 5, duration_seconds: 5 });
    expect((await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`))).content).toBe("segment 1");
  });

  it("a client that disconnects at 40 s: every final segment received is in the note, 5 credits charged once", async () => {
    const client = await proWithCredits(20);
    const note = await createNote(client, { content: "" });
    const id = crypto.randomUUID();
    const socket = await openLive(client.accessToken, note.id, { script: { id, frame_ms: 1000, final_every: 10 } });
    sendFrames(socket, 40);
    await socket.next((m) => m.type === "transcript" && m.is_final && m.text === "segment 4");
    socket.close();
    await expect.poll(async () => (await voiceCharges(client.userId)).settlements, { timeout: 10_000 }).toBeGreaterThan(0);
    const stored = await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`));
    expect(stored.content).toBe("segment 1 segment 2 segment 3 segment 4");
    expect(stored.audio_duration_seconds).toBe(40);
    expect(await voiceCharges(client.userId)).toEqual({ net: 5, settled: 5, settlements: 1, held: 0 });
  });

  it("the stream is cut at 300 s of audio by the server with complete (25 credits)", async () => {
    const client = await proWithCredits(30);
    const note = await createNote(client, { content: "" });
    const id = crypto.randomUUID();
    const socket = await openLive(client.accessToken, note.id, { script: { id, frame_ms: 1000, final_every: 60 } });
    sendFrames(socket, 320);
    const complete = await socket.next((m) => m.type === "complete", 20_000);
    expect(complete).toMatchObject({ credits_used: 25, duration_seconds: 300 });
    expect(await socket.closed).toBe(1000);
    expect(await voiceCharges(client.userId)).toEqual({ net: 25, settled: 25, settlements: 1, held: 0 });
  });
});
