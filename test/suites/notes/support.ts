import { authHeaders } from "../../support/auth";
import { expectData, type TestClient } from "../../support/factories";
import { call, newRequestId } from "../../support/requests";
import type { Note } from "../../../src/services/notes/present";
import { inject } from "vitest";

/** Helpers of the notes suites (docs/notes-and-voice.md). */
export type NoteJson = Note;

export async function createNote(client: TestClient, body: { content?: string; task_id?: string | null } = {}): Promise<NoteJson> {
  return expectData<NoteJson>(await client.request("POST", "/notes", { body: { content: "A note", ...body } }), 201);
}

/** `POST /notes/{id}/transcribe` with a raw audio body. */
export function transcribe(
  client: TestClient,
  noteId: string,
  audio: Uint8Array,
  options: { contentType?: string; key?: string; requestId?: string; invalid?: boolean } = {},
): Promise<Response> {
  const headers = authHeaders(client.accessToken, { "Content-Type": options.contentType ?? "audio/wav", "Idempotency-Key": options.key ?? crypto.randomUUID() });
  return call(`/api/v1/notes/${noteId}/transcribe`, {
    method: "POST",
    headers,
    rawBody: audio,
    requestId: options.requestId ?? newRequestId("transcribe"),
    invalid: options.invalid,
  });
}

/** How often the Deepgram fake was called with this script id, and with what query. */
export async function deepgramCalls(id: string): Promise<{ count: number; queries: { query: Record<string, string>; contentType: string }[] }> {
  const response = await fetch(`${inject("deepgramUrl")}/_control/calls?id=${encodeURIComponent(id)}`);
  return (await response.json()) as { count: number; queries: { query: Record<string, string>; contentType: string }[] };
}
