import type { AppRouter } from "../router";
import { registerLiveTranscription } from "./transcribe-live";

/** docs/notes-and-voice.md#live-relay-as-built: the live transcription socket. */
export function mountVoice(router: AppRouter): void {
  registerLiveTranscription(router);
}
