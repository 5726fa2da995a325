import { DurableObject } from "cloudflare:workers";

/**
 * VoiceRelay – one per live transcription session: holds the client WebSocket and Deepgram's, relays both
 * ways, keeps final segments, enforces the 300 s cap and settles credits once (docs/notes-and-voice.md). The relay arrives
 * with the voice issue; the foundation wires the class, its binding and SQLite-backed migration.
 */
export class VoiceRelay extends DurableObject {
  async ping(name: string): Promise<{ name: string; at: string }> {
    return { name, at: new Date().toISOString() };
  }
}
