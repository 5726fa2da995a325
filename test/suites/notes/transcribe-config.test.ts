import { describe, expect, it } from "vitest";
import { authHeaders } from "../../support/auth";
import { wav, type FakeScript } from "../../support/audio";
import { dbRows, errorOf, expectData, newClient, sql, type TestClient } from "../../support/factories";
import { createProbeApp, probe } from "../../support/probe-app";
import { grantLot } from "../credits/support";
import { createNote, deepgramCalls, type NoteJson } from "./support";

/**
 * Transcription under other configurations (the real application, other variables): Deepgram not configured,
 * a key Deepgram refuses, a Deepgram that never answers within DEEPGRAM_TIMEOUT_SECONDS.
 */
const app = createProbeApp();

function transcribeWith(env: Record<string, unknown>, client: TestClient, noteId: string, script: FakeScript): Promise<Response> {
  return probe(app, `/api/v1/notes/${noteId}/transcribe`, {
    method: "POST",
    headers: authHeaders(client.accessToken, { "Content-Type": "audio/wav", "Idempotency-Key": crypto.randomUUID() }),
    body: wav(20, { script }),
    env,
  });
}

const balance = async (userId: string) =>
  Number((await dbRows<{ total: number }>(sql`select coalesce(sum(remaining), 0)::int as total from credit_lots where user_id = ${userId}`))[0]?.total);

async function proNote(): Promise<{ client: TestClient; note: NoteJson }> {
  const client = await newClient({ tier: "pro" });
  await grantLot(client.userId, { kind: "purchased", amount: 10 });
  return { client, note: await createNote(client, { content: "Unchanged." }) };
}

describe("transcription configuration", () => {
  it("DEEPGRAM_API_KEY not set → 503 AI_SERVICE_UNAVAILABLE before any charge or call", async () => {
    const { client, note } = await proNote();
    const id = crypto.randomUUID();
    const response = await transcribeWith({ DEEPGRAM_API_KEY: "" }, client, note.id, { id, transcript: "x" });
    expect(await errorOf(response)).toMatchObject({ status: 503, code: "AI_SERVICE_UNAVAILABLE" });
    expect(await balance(client.userId)).toBe(15);
    expect((await deepgramCalls(id)).count).toBe(0);
  });

  it("a key Deepgram refuses (401) → refunded, 502", async () => {
    const { client, note } = await proNote();
    const response = await transcribeWith({ DEEPGRAM_API_KEY: "wrong-key" }, client, note.id, { id: crypto.randomUUID(), transcript: "x" });
    expect(await errorOf(response)).toMatchObject({ status: 502, code: "TRANSCRIPTION_FAILED" });
    expect(await balance(client.userId)).toBe(15);
  });

  it("Deepgram hanging past DEEPGRAM_TIMEOUT_SECONDS → refunded, note unchanged, 502 with Retry-After", async () => {
    const { client, note } = await proNote();
    const id = crypto.randomUUID();
    const response = await transcribeWith({ DEEPGRAM_TIMEOUT_SECONDS: "1" }, client, note.id, { id, hang: true });
    expect(response.status).toBe(502);
    expect(response.headers.get("Retry-After")).toBe("30");
    expect((await deepgramCalls(id)).count).toBe(1);
    expect(await balance(client.userId)).toBe(15);
    expect(await expectData<NoteJson>(await client.request("GET", `/notes/${note.id}`))).toMatchObject({ content: "Unchanged.", transcript_status: "failed" });
  });
});
