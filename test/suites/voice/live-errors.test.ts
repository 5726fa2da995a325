import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { VoiceRelay } from "../../../durable-objects/voice-relay/object";
import { signTestAccessToken } from "../../support/auth";
import { testEnv } from "../../support/env";
import { captureLogs } from "../../support/logs";
import { dbRows, newClient, sql } from "../../support/factories";
import { call, newRequestId } from "../../support/requests";
import { consumeCreditsNow } from "../../../src/services/credits/consume";
import { contextAt } from "../credits/support";
import { createNote } from "../notes/support";
import { audioFrame, liveTally, openLive, sendFrames } from "./support";

/** docs/notes-and-voice.md#live-relay-as-built: refusals before any audio is relayed, and protocol violations. */
const errorAndClose = async (socket: Awaited<ReturnType<typeof openLive>>, code: string) => {
  expect(await socket.next((m) => m.type === "error")).toMatchObject({ type: "error", code });
  expect(await socket.closed).toBe(1008);
};

describe("GET /ws/voice/transcribe: refusals", () => {
  it("a free user → TIER_REQUIRED before any audio reaches Deepgram", async () => {
    const client = await newClient();
    const note = await createNote(client, { content: "" });
    const id = crypto.randomUUID();
    const socket = await openLive(client.accessToken, note.id, { script: { id } });
    sendFrames(socket, 3);
    await errorAndClose(socket, "TIER_REQUIRED");
    expect(await liveTally(id)).toMatchObject({ connections: 0, frames: 0 });
  });

  it("fewer than 5 credits → INSUFFICIENT_CREDITS before any audio reaches Deepgram", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    // The kickstart 5, minus 2 spent elsewhere: 3 left, less than one started minute.
    await consumeCreditsNow({ ctx: contextAt(client.userId), input: { userId: client.userId, amount: 2, reason: "ai_chat", reference: `test:${crypto.randomUUID()}` } });
    const id = crypto.randomUUID();
    const socket = await openLive(client.accessToken, note.id, { script: { id } });
    sendFrames(socket, 2);
    await errorAndClose(socket, "INSUFFICIENT_CREDITS");
    expect(await liveTally(id)).toMatchObject({ connections: 0, frames: 0 });
  });

  it("another user's note → NOT_FOUND and close", async () => {
    const owner = await newClient({ tier: "pro" });
    const other = await newClient({ tier: "pro" });
    const note = await createNote(owner, { content: "" });
    await errorAndClose(await openLive(other.accessToken, note.id), "NOT_FOUND");
  });

  it("an invalid token → UNAUTHORIZED; audio before the auth message → UNAUTHORIZED", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    await errorAndClose(await openLive("not.a.token", note.id), "UNAUTHORIZED");
    const early = await openLive(client.accessToken, note.id, { auth: "none" });
    early.send(audioFrame());
    await errorAndClose(early, "UNAUTHORIZED");
  });

  it("a token in the query string is refused (error and close), the subprotocol notwithstanding", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    const logs = captureLogs();
    const socket = await openLive(client.accessToken, note.id, { query: `&token=${client.accessToken}`, invalid: true });
    await errorAndClose(socket, "UNAUTHORIZED");
    // The token never lands in a log line (the line names the route template, not the URL).
    expect(logs.text()).not.toContain(client.accessToken);
    expect(logs.lines().some((line) => line.outcome === "token_in_query_refused")).toBe(true);
    vi.restoreAllMocks();
  });

  it("without an Upgrade header → 400 VALIDATION_ERROR; a bad note_id → 400", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    const plain = await call(`/api/v1/ws/voice/transcribe?note_id=${note.id}`, { requestId: newRequestId("voice"), invalid: true });
    expect(plain.status).toBe(400);
    const bad = await call("/api/v1/ws/voice/transcribe?note_id=nope", { headers: { Upgrade: "websocket" }, requestId: newRequestId("voice"), invalid: true });
    expect(bad.status).toBe(400);
  });
});

describe("GET /ws/voice/transcribe: protocol violations", () => {
  it("a frame over 32 KB → VALIDATION_ERROR and close; the audio before it is settled", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    const socket = await openLive(client.accessToken, note.id, { script: { id: crypto.randomUUID(), frame_ms: 1000, final_every: 5 } });
    sendFrames(socket, 5);
    await socket.next((m) => m.type === "transcript" && m.is_final);
    socket.send(new Uint8Array(32 * 1024 + 1));
    await errorAndClose(socket, "VALIDATION_ERROR");
  });

  it("a text frame that is not the protocol → VALIDATION_ERROR and close", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    const socket = await openLive(client.accessToken, note.id, { script: { id: crypto.randomUUID() } });
    sendFrames(socket, 1);
    socket.send(JSON.stringify({ type: "pause" }));
    await errorAndClose(socket, "VALIDATION_ERROR");
  });

  it("a second socket for a note that streams → STREAM_IN_PROGRESS; the first goes on", async () => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    const first = await openLive(client.accessToken, note.id, { script: { id: crypto.randomUUID(), frame_ms: 1000, final_every: 5 } });
    sendFrames(first, 5);
    await first.next((m) => m.type === "transcript" && m.is_final);
    const second = await openLive(client.accessToken, note.id);
    await errorAndClose(second, "STREAM_IN_PROGRESS");
    first.send(JSON.stringify({ type: "end_stream" }));
    expect(await first.next((m) => m.type === "complete")).toMatchObject({ credits_used: 5, duration_seconds: 5 });
  });
});

const relayOf = (noteId: string) => testEnv.VOICE_RELAY.get(testEnv.VOICE_RELAY.idFromName(noteId));
const voiceLedgerRows = async (userId: string) =>
  Number((await dbRows<{ n: number }>(sql`select count(*)::int as n from credit_ledger where user_id = ${userId} and reference like 'voice:%'`))[0]?.n);

/**
 * The note's relay configured with another Deepgram key (the relay reads its configuration from its own
 * bindings; one relay per note, so no other test sees it). The fake refuses a wrong key with 401 and the key
 * `status-<code>` with that status (test/fakes/node/deepgram-live.ts).
 */
async function relayWithDeepgramKey(noteId: string, key: string): Promise<void> {
  await runInDurableObject(relayOf(noteId), (instance: VoiceRelay) => {
    Reflect.set(instance, "env", { ...testEnv, DEEPGRAM_API_KEY: key });
  });
}

describe("GET /ws/voice/transcribe: Deepgram refusing, expired tokens", () => {
  it.each([
    ["401 (a key it refuses)", "wrong-key"],
    ["503 (down)", "status-503"],
  ])("Deepgram answering the live upgrade with %s → TRANSCRIPTION_FAILED and close, nothing charged", async (_label, key) => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    await relayWithDeepgramKey(note.id, key);
    const socket = await openLive(client.accessToken, note.id, { script: { id: crypto.randomUUID() } });
    sendFrames(socket, 3);
    await errorAndClose(socket, "TRANSCRIPTION_FAILED");
    // Refused before the reservation: no ledger entry at all, no session kept by the relay.
    expect(await voiceLedgerRows(client.userId)).toBe(0);
    expect(await runInDurableObject(relayOf(note.id), (_instance: VoiceRelay, state) => state.storage.sql.exec("select 1 from session").toArray().length)).toBe(0);
  });

  it.each(["header", "message"] as const)("an expired access token (auth by %s) → TOKEN_EXPIRED and close, Deepgram never reached", async (auth) => {
    const client = await newClient({ tier: "pro" });
    const note = await createNote(client, { content: "" });
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = await signTestAccessToken({ sub: client.userId, issuedAt: past, expiresAt: past + 900 });
    const id = crypto.randomUUID();
    const socket = await openLive(expired, note.id, { auth, script: { id } });
    await errorAndClose(socket, "TOKEN_EXPIRED");
    expect(await liveTally(id)).toMatchObject({ connections: 0, frames: 0 });
    expect(await voiceLedgerRows(client.userId)).toBe(0);
  });
});
