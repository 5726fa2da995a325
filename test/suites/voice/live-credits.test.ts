import { describe, expect, it } from "vitest";
import { consumeCreditsNow } from "../../../src/services/credits/consume";
import { ApiError } from "../../../src/errors/api-error";
import { dbRows, expectData, newClient, sql, type TestClient } from "../../support/factories";
import { contextAt, grantLot } from "../credits/support";
import { createNote, type NoteJson } from "../notes/support";
import { openLive, sendFrames, voiceCharges } from "./support";

/**
 * docs/notes-and-voice.md "Credits: reserved at the start": the minutes the balance covers (≤ 5) are consumed
 * when the stream starts, the session is capped at them, and the settlement refunds the reservation and
 * charges the audio streamed (5 per started minute) once. Frames are 1 s of audio each.
 */
const balance = async (userId: string) =>
  Number((await dbRows<{ total: number }>(sql`select coalesce(sum(remaining), 0)::int as total from credit_lots where user_id = ${userId} and expired_at is null`))[0]?.total);

async function proWith(extra: number): Promise<TestClient> {
  const client = await newClient({ tier: "pro" });
  if (extra > 0) await grantLot(client.userId, { kind: "purchased", amount: extra });
  return client;
}

const spendElsewhere = (userId: string, amount: number) =>
  consumeCreditsNow({ ctx: contextAt(userId), input: { userId, amount, reason: "ai_chat", reference: `test:${crypto.randomUUID()}` } });

describe("live transcription credits", () => {
  it("credits spent elsewhere during the stream cannot leave it unpaid: the reserved ones are not spendable", async () => {
    // 20 + the kickstart 5 = 25: five minutes, all reserved at the start.
    const client = await proWith(20);
    const note = await createNote(client, { content: "" });
    const socket = await openLive(client.accessToken, note.id, { script: { id: crypto.randomUUID(), frame_ms: 1000, final_every: 10 } });
    sendFrames(socket, 10);
    await socket.next((m) => m.type === "transcript" && m.is_final);
    expect(await voiceCharges(client.userId)).toMatchObject({ held: 25 });
    expect(await balance(client.userId)).toBe(0);
    const refused = await spendElsewhere(client.userId, 5).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: "INSUFFICIENT_CREDITS" });
    sendFrames(socket, 60);
    await socket.next((m) => m.type === "transcript" && m.is_final && m.text === "segment 7");
    socket.send(JSON.stringify({ type: "end_stream" }));
    expect(await socket.next((m) => m.type === "complete")).toMatchObject({ credits_used: 10, duration_seconds: 70 });
    // The unused three minutes came back.
    expect(await voiceCharges(client.userId)).toEqual({ net: 10, settled: 10, settlements: 1, held: 0 });
    expect(await balance(client.userId)).toBe(15);
  });

  it("a balance of two minutes (10 credits) caps the stream at 120 s with complete, charged 10", async () => {
    const client = await proWith(5);
    const note = await createNote(client, { content: "" });
    const socket = await openLive(client.accessToken, note.id, { script: { id: crypto.randomUUID(), frame_ms: 1000, final_every: 10 } });
    sendFrames(socket, 140);
    const complete = await socket.next((m) => m.type === "complete", 20_000);
    expect(complete).toMatchObject({ credits_used: 10, duration_seconds: 120 });
    expect(await socket.closed).toBe(1000);
    expect(await voiceCharges(client.userId)).toEqual({ net: 10, settled: 10, settlements: 1, held: 0 });
    expect(await balance(client.userId)).toBe(0);
    const stored = await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`));
    expect(stored.audio_duration_seconds).toBe(120);
  });

  it("a stream without audio: the reservation is refunded in full, nothing charged", async () => {
    const client = await proWith(0);
    const note = await createNote(client, { content: "" });
    const socket = await openLive(client.accessToken, note.id, { script: { id: crypto.randomUUID() } });
    socket.send(JSON.stringify({ type: "end_stream" }));
    expect(await socket.next((m) => m.type === "complete")).toMatchObject({ credits_used: 0, duration_seconds: 0 });
    expect(await voiceCharges(client.userId)).toEqual({ net: 0, settled: 0, settlements: 0, held: 0 });
    expect(await balance(client.userId)).toBe(5);
  });
});
