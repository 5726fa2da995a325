import type { AppRouter } from "../router";
import { registerCreateNote } from "./create";
import { registerDeleteNote } from "./delete";
import { registerGetNote } from "./get";
import { registerNoteHistory } from "./history";
import { registerListNotes, registerListTaskNotes } from "./list";
import { registerTranscribeNote } from "./transcribe";
import { registerUpdateNote } from "./update";

/** docs/notes-and-voice.md notes and batch transcription (the live relay is its own resource). */
export function mountNotes(router: AppRouter): void {
  registerListNotes(router);
  registerCreateNote(router);
  registerGetNote(router);
  registerUpdateNote(router);
  registerDeleteNote(router);
  registerNoteHistory(router);
  registerListTaskNotes(router);
  registerTranscribeNote(router);
}
