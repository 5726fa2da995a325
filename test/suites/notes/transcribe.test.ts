import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { wav } from "../../support/audio";
import { dbRows, errorOf, expectData, newClient, sql, type TestClient } from "../../support/factories";
import { grantLot } from "../credits/support";
import { createNote, deepgramCalls, transcribe, type NoteJson } from "./support";

/**
 * Batch transcription against the Deepgram fake (docs/notes-and-voice.md#batch-transcription): credits
 * consumed before the call (5 per started minute), refunded exactly on failure, one charge and one Deepgram
 * call per Idempotency-Key.
 */
interface Transcription {
  note: NoteJson;
  transcript: string;
  duration_seconds: number;
  credits_used: number;
}

interface LedgerRow extends Record<string, unknown> {
  kind: string;
  amount: number;
  reason: string;
  reference: string | null;
}

/** A Pro user with `credits` purchased credits on top of the kickstart 5. */
async function proWithCredits(credits: number): Promise<TestClient> {
  const client = await newClient({ tier: "pro" });
  if (credits > 0) await grantLot(client.userId, { kind: "purchased", amount: credits });
  return client;
}

const ledger = (userId: string) =>
  dbRows<LedgerRow>(sql`select kind, amount, reason, reference from credit_ledger where user_id = ${userId} and kind in ('consume', 'refund') order by created_at, id`);
const balance = async (userId: string) =>
  Number((await dbRows<{ total: number }>(sql`select coalesce(sum(remaining), 0)::int as total from credit_lots where user_id = ${userId}`))[0]?.total);

describe("POST /notes/{id}/transcribe", () => {
  it("a 61 s WAV costs 10 credits and its transcript is appended to the note (3 round trips around the call)", async () => {
    const client = await proWithCredits(20);
    const note = await createNote(client, { content: "Groceries." });
    const id = crypto.randomUUID();
    const requestId = newRequestId("transcribe");
    const result = await expectData<Transcription>(
      await transcribe(client, note.id, wav(61, { script: { id, transcript: "Buy milk, eggs and coffee." } }), { requestId }),
    );
    expect(result).toMatchObject({ transcript: "Buy milk, eggs and coffee.", duration_seconds: 61, credits_used: 10 });
    expect(result.note).toMatchObject({
      id: note.id,
      content: "Groceries.\n\nBuy milk, eggs and coffee.",
      source: "voice",
      audio_duration_seconds: 61,
      transcript_status: "done",
      version: 3,
    });
    expect(await roundTrips(requestId)).toBe(3);
    const consumed = await ledger(client.userId);
    expect(consumed.reduce((sum, row) => sum + row.amount, 0)).toBe(-10);
    expect(consumed.every((row) => row.kind === "consume" && row.reason === "transcription")).toBe(true);
    expect(await balance(client.userId)).toBe(15);
    const calls = await deepgramCalls(id);
    expect(calls.count).toBe(1);
    expect(calls.queries[0]).toMatchObject({ contentType: "audio/wav", query: { model: "nova-2", smart_format: "true", punctuate: "true" } });
    expect(await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`))).toEqual(result.note);
    const history = (await (await client.request("GET", `/notes/${note.id}/history`)).json()) as { data: { action: string }[] };
    expect(history.data.map((e) => e.action)).toEqual(["created", "transcribed"]);
  });

  it("a replay with the same Idempotency-Key answers the same bytes: one charge, one Deepgram call", async () => {
    const client = await proWithCredits(10);
    const note = await createNote(client, { content: "" });
    const id = crypto.randomUUID();
    const audio = wav(30, { script: { id, transcript: "Hello there." } });
    const key = crypto.randomUUID();
    const first = await transcribe(client, note.id, audio, { key });
    const firstBody = await first.text();
    expect(first.status).toBe(200);
    const replayId = newRequestId("transcribe-replay");
    const again = await transcribe(client, note.id, audio, { key, requestId: replayId });
    expect(again.status).toBe(200);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await again.text()).toBe(firstBody);
    expect(await roundTrips(replayId)).toBe(1);
    expect((await deepgramCalls(id)).count).toBe(1);
    expect((await ledger(client.userId)).reduce((sum, row) => sum + row.amount, 0)).toBe(-5);
    expect(((JSON.parse(firstBody) as { data: Transcription }).data.note.content)).toBe("Hello there.");
  });

  it("a Deepgram 500 refunds every credit, leaves the content unchanged and answers 502 with a retry hint", async () => {
    const client = await proWithCredits(20);
    const note = await createNote(client, { content: "Before." });
    const id = crypto.randomUUID();
    const key = crypto.randomUUID();
    const before = await balance(client.userId);
    const failId = newRequestId("transcribe-fail");
    const failed = await transcribe(client, note.id, wav(125, { script: { id, fail: 500 } }), { key, requestId: failId });
    expect(failed.status).toBe(502);
    // Read, charge, refund: the same 3 round trips as a success.
    expect(await roundTrips(failId)).toBe(3);
    expect(failed.headers.get("Retry-After")).toBe("30");
    const error = await errorOf(failed);
    expect(error).toMatchObject({ code: "TRANSCRIPTION_FAILED", details: { retry_after_seconds: 30, credits_refunded: 15 } });
    expect(await balance(client.userId)).toBe(before);
    const rows = await ledger(client.userId);
    expect(rows.filter((row) => row.kind === "consume").reduce((sum, row) => sum + row.amount, 0)).toBe(-15);
    expect(rows.filter((row) => row.kind === "refund").reduce((sum, row) => sum + row.amount, 0)).toBe(15);
    const after = await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`));
    expect(after).toMatchObject({ content: "Before.", source: "text", transcript_status: "failed", audio_duration_seconds: null });

    // The failure was not stored and the key's claim released: a retry with the same key runs again – charged
    // and refunded again, the balance intact.
    const sameAgain = await transcribe(client, note.id, wav(125, { script: { id, fail: 500 } }), { key });
    expect(sameAgain.status).toBe(502);
    expect((await deepgramCalls(id)).count).toBe(2);
    expect(await balance(client.userId)).toBe(before);
  });

  it("a malformed Deepgram answer is a failure too: refunded, 502", async () => {
    const client = await proWithCredits(5);
    const note = await createNote(client);
    const response = await transcribe(client, note.id, wav(10, { script: { id: crypto.randomUUID(), malformed: true } }));
    expect((await errorOf(response)).code).toBe("TRANSCRIPTION_FAILED");
    expect(await balance(client.userId)).toBe(10);
  });

  it("a free user → 403 TIER_REQUIRED before any charge or call", async () => {
    const client = await newClient();
    const note = await createNote(client);
    const id = crypto.randomUUID();
    const response = await transcribe(client, note.id, wav(5, { script: { id, transcript: "no" } }));
    expect((await errorOf(response)).code).toBe("TIER_REQUIRED");
    expect(response.status).toBe(403);
    expect(await ledger(client.userId)).toEqual([]);
    expect((await deepgramCalls(id)).count).toBe(0);
  });

  it("a note of an archived task → 409 TASK_ARCHIVED before any charge", async () => {
    const client = await proWithCredits(10);
    const task = await expectData<{ id: string }>(await client.request("POST", "/tasks", { body: { title: "t" } }), 201);
    const note = await createNote(client, { task_id: task.id });
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { version: 1, archived: true } }));
    expect(await errorOf(await transcribe(client, note.id, wav(5)))).toMatchObject({ status: 409, code: "TASK_ARCHIVED" });
    expect(await ledger(client.userId)).toEqual([]);
  });

  it("too little credit → 402 with what is needed, nothing charged, note unchanged", async () => {
    const client = await proWithCredits(0);
    const note = await createNote(client);
    const response = await transcribe(client, note.id, wav(61, { script: { id: crypto.randomUUID() } }));
    expect(await errorOf(response)).toMatchObject({ status: 402, code: "INSUFFICIENT_CREDITS", details: { required: 10, available: 5 } });
    expect(await ledger(client.userId)).toEqual([]);
    expect(await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`))).toEqual(note);
  });

  it("11 MB, 301 s, text/plain, not a WAV → 400 before any charge", async () => {
    const client = await proWithCredits(50);
    const note = await createNote(client);
    const big = await transcribe(client, note.id, new Uint8Array(11 * 1024 * 1024), { invalid: true });
    expect(await errorOf(big)).toMatchObject({ status: 400, code: "VALIDATION_ERROR", details: [{ field: "body" }] });
    // Bodies the document cannot describe as wrong (its schema is "any bytes"): `invalid` so only the answer is checked.
    const long = await transcribe(client, note.id, wav(301), { invalid: true });
    expect(await errorOf(long)).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    const text = await transcribe(client, note.id, new TextEncoder().encode("hello"), { contentType: "text/plain", invalid: true });
    expect(await errorOf(text)).toMatchObject({ status: 400, code: "VALIDATION_ERROR", details: [{ field: "header.content-type" }] });
    const fake = await transcribe(client, note.id, new TextEncoder().encode("not a riff file"), { invalid: true });
    expect(await errorOf(fake)).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    expect(await ledger(client.userId)).toEqual([]);
    // Exactly 300 s is allowed: 5 minutes, 25 credits.
    const edge = await expectData<Transcription>(await transcribe(client, note.id, wav(300, { script: { id: crypto.randomUUID(), transcript: "ok" } })));
    expect(edge.credits_used).toBe(25);
  });

  it("a container without a stated duration is charged 300 s and settled to Deepgram's duration in the same step", async () => {
    const client = await proWithCredits(30);
    const note = await createNote(client, { content: "" });
    // WebM as MediaRecorder writes it live carries no Duration at all.
    const webm = liveWebm();
    const result = await expectData<Transcription>(await transcribe(client, note.id, webm, { contentType: "audio/webm;codecs=opus" }));
    // The fake reports 42.5 s for containers it cannot measure: 1 started minute.
    expect(result).toMatchObject({ duration_seconds: 43, credits_used: 5 });
    const rows = await ledger(client.userId);
    expect(rows.filter((row) => row.kind === "consume").reduce((sum, row) => sum + row.amount, 0)).toBe(-30);
    expect(rows.filter((row) => row.kind === "refund").reduce((sum, row) => sum + row.amount, 0)).toBe(25);
    expect(await balance(client.userId)).toBe(35 - 5);
  });
});

/** A WebM as MediaRecorder writes it live: EBML header, a Segment of unknown size, Info without Duration, a Cluster. */
function liveWebm(): Uint8Array {
  const bytes = [
    0x1a, 0x45, 0xdf, 0xa3, 0x84, 0x42, 0x82, 0x81, 0x77, // EBML header (DocType "w" – enough for the parser)
    0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // Segment, unknown size
    0x15, 0x49, 0xa9, 0x66, 0x84, 0x2a, 0xd7, 0xb1, 0x80, // Info { TimecodeScale (empty) } – no Duration
    0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // Cluster, unknown size
    0xe7, 0x81, 0x00,
  ];
  return Uint8Array.from(bytes);
}
