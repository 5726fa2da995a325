import { describe, expect, it } from "vitest";
import { consumeCreditsNow } from "../../../src/services/credits/consume";
import { hashRequest } from "../../../src/services/idempotency/types";
import { sha256Hex } from "../../../src/lib/hashing";
import { wav } from "../../support/audio";
import { dbRows, errorOf, expectData, newClient, sql } from "../../support/factories";
import { contextAt, grantLot } from "../credits/support";
import { createNote, deepgramCalls, transcribe, type NoteJson } from "./support";

/**
 * A Worker that died between the charge (step 2) and the transcript (step 3) of a transcription
 * (docs/notes-and-voice.md#batch-transcription): the state it leaves – the key claimed `in_progress`, this
 * key's consumption unrefunded, the note `pending` – is built here exactly as step 2 commits it.
 */
async function diedAfterCharge(options: { leaseExpired: boolean }) {
  const client = await newClient({ tier: "pro" });
  await grantLot(client.userId, { kind: "purchased", amount: 20 });
  const note = await createNote(client, { content: "" });
  const id = crypto.randomUUID();
  const audio = wav(61, { script: { id, transcript: "Resumed after a crash." } });
  const key = crypto.randomUUID();
  const path = `/api/v1/notes/${note.id}/transcribe`;
  const reference = `transcription:${note.id}:${(await sha256Hex(key)).slice(0, 32)}:dead0001`;
  await consumeCreditsNow({ ctx: contextAt(client.userId), input: { userId: client.userId, amount: 10, reason: "transcription", reference } });
  await dbRows(sql`update notes set transcript_status = 'pending', version = 2 where id = ${note.id}`);
  const leaseEnd = new Date(Date.now() + (options.leaseExpired ? -60_000 : 600_000)).toISOString();
  await dbRows(sql`insert into idempotency_records (user_id, key, method, path, request_hash, status, locked_until, created_at)
    values (${client.userId}, ${key}, 'POST', ${path}, ${await hashRequest("POST", path, audio.slice().buffer)}, 'in_progress', ${leaseEnd}::timestamptz, now())`);
  return { client, note, id, audio, key };
}

const spent = async (userId: string) =>
  Number((await dbRows<{ n: number }>(sql`select coalesce(sum(amount), 0)::int as n from credit_ledger where user_id = ${userId} and kind in ('consume', 'refund')`))[0]?.n);

describe("transcription – a crash between the steps never double-charges", () => {
  it("while the first attempt's lease is live, a retry answers 409 IDEMPOTENCY_IN_PROGRESS without a call", async () => {
    const { client, note, id, audio, key } = await diedAfterCharge({ leaseExpired: false });
    const response = await transcribe(client, note.id, audio, { key });
    expect(await errorOf(response)).toMatchObject({ status: 409, code: "IDEMPOTENCY_IN_PROGRESS" });
    expect(response.headers.get("Retry-After")).toBe("1");
    expect((await deepgramCalls(id)).count).toBe(0);
    expect(await spent(client.userId)).toBe(-10);
  });

  it("after the lease ran out, a retry resumes with the charge already taken: no second charge", async () => {
    const { client, note, id, audio, key } = await diedAfterCharge({ leaseExpired: true });
    const result = await expectData<{ note: NoteJson; credits_used: number }>(await transcribe(client, note.id, audio, { key }));
    expect(result).toMatchObject({ credits_used: 10, note: { content: "Resumed after a crash.", transcript_status: "done", source: "voice" } });
    expect(await spent(client.userId)).toBe(-10);
    expect((await deepgramCalls(id)).count).toBe(1);
    const replay = await transcribe(client, note.id, audio, { key });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await deepgramCalls(id)).count).toBe(1);
  });

  it("a different key on the same note is a new transcription, charged on its own", async () => {
    const { client, note, id, audio } = await diedAfterCharge({ leaseExpired: true });
    await expectData(await transcribe(client, note.id, audio));
    expect(await spent(client.userId)).toBe(-20);
    expect((await deepgramCalls(id)).count).toBe(1);
  });
});

describe("transcription – concurrent requests", () => {
  it("parallel duplicates under one key: one Deepgram call, one charge, the others 409 or the replay", async () => {
    const client = await newClient({ tier: "pro" });
    await grantLot(client.userId, { kind: "purchased", amount: 20 });
    const note = await createNote(client, { content: "" });
    const id = crypto.randomUUID();
    const audio = wav(30, { script: { id, transcript: "Only once.", delay_ms: 300 } });
    const key = crypto.randomUUID();
    const responses = await Promise.all(Array.from({ length: 4 }, () => transcribe(client, note.id, audio, { key })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 409), statuses.join(",")).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect((await deepgramCalls(id)).count).toBe(1);
    expect(await spent(client.userId)).toBe(-5);
    const note2 = await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`));
    expect(note2.content).toBe("Only once.");
  });

  it("a PATCH while Deepgram works: the transcript is appended to the edited content", async () => {
    const client = await newClient({ tier: "pro" });
    await grantLot(client.userId, { kind: "purchased", amount: 20 });
    const note = await createNote(client, { content: "Draft" });
    const id = crypto.randomUUID();
    const running = transcribe(client, note.id, wav(30, { script: { id, transcript: "Spoken words.", delay_ms: 3000 } }));
    let pending: NoteJson | undefined;
    for (let attempt = 0; attempt < 100 && pending === undefined; attempt += 1) {
      const current = await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`));
      if (current.transcript_status === "pending") pending = current;
    }
    if (pending === undefined) throw new Error("the transcription never became pending");
    await expectData(await client.request("PATCH", `/notes/${note.id}`, { body: { version: pending.version, content: "Edited draft" } }));
    const result = await expectData<{ note: NoteJson }>(await running);
    expect(result.note).toMatchObject({ content: "Edited draft\n\nSpoken words.", transcript_status: "done", version: pending.version + 2 });
    expect(await spent(client.userId)).toBe(-5);
  });
});
