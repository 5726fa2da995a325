import type { Bindings } from "../../src/env";

/** Typed access to a note's VoiceRelay (STYLE §6): one relay per note id, so one live socket per note. */
export function relayUpgrade(env: Bindings, noteId: string, request: Request): Promise<Response> {
  return env.VOICE_RELAY.get(env.VOICE_RELAY.idFromName(noteId)).fetch(request);
}
