// What a live session needs beyond its sockets – Deepgram's client, the credit and note writes, the service
// context – imported by a relay instance when it starts (object.ts), not by the Worker's start-up: an isolate
// that never relays audio never evaluates them (docs/start-up.md).
export { DeepgramLiveFailure, openDeepgramLive, parseLiveMessage } from "../../src/integrations/deepgram/live";
export { appendLiveSegments, checkLiveStart, reserveLiveCredits, settleLiveSession } from "../../src/services/notes/live-transcription";
export { systemContext } from "../../src/services/system-context";
