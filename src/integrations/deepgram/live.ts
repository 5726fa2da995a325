import { z } from "zod";

/**
 * Deepgram's live API (`/v1/listen` over WebSocket) as the VoiceRelay uses it. Opened with a fetch upgrade:
 * workerd's global `WebSocket` constructor cannot send the `Authorization: Token …` header (ARCHITECTURE
 * "Outbound WebSockets"), and Deepgram refuses a socket without it. The audio is WebM/Opus in a container,
 * which Deepgram detects itself – `encoding`/`sample_rate` are only for raw audio, so they are not sent.
 */
export const LIVE_QUERY = "model=nova-2&interim_results=true&smart_format=true&punctuate=true";

export class DeepgramLiveFailure extends Error {
  constructor(readonly status: number | undefined, message: string) {
    super(message);
    this.name = "DeepgramLiveFailure";
  }
}

/** Opens and accepts the live socket; a refusal (401, 5xx, network) throws DeepgramLiveFailure. */
export async function openDeepgramLive(input: { baseUrl: string; apiKey: string }): Promise<WebSocket> {
  const url = new URL("/v1/listen", input.baseUrl);
  // fetch() upgrades http(s) URLs; a ws(s) base is accepted in configuration and mapped back.
  url.protocol = url.protocol === "wss:" ? "https:" : url.protocol === "ws:" ? "http:" : url.protocol;
  url.search = LIVE_QUERY;
  let response: Response;
  try {
    response = await fetch(url, { headers: { Upgrade: "websocket", Authorization: `Token ${input.apiKey}` } });
  } catch (error) {
    throw new DeepgramLiveFailure(undefined, error instanceof Error ? error.message : "network error");
  }
  const socket = response.webSocket;
  if (response.status !== 101 || socket === null) {
    await response.body?.cancel();
    throw new DeepgramLiveFailure(response.status, `Deepgram refused the live socket (${response.status})`);
  }
  socket.accept();
  socket.binaryType = "arraybuffer";
  return socket;
}

const resultsSchema = z.object({
  type: z.literal("Results"),
  start: z.number(),
  duration: z.number(),
  is_final: z.boolean(),
  channel: z.object({ alternatives: z.array(z.object({ transcript: z.string() })) }),
});

const metadataSchema = z.object({ type: z.literal("Metadata"), duration: z.number() });

export type LiveMessage =
  | { type: "results"; text: string; isFinal: boolean; end: number }
  | { type: "metadata"; duration: number }
  | { type: "other" };

/** A text frame from Deepgram; anything it sends that we do not use (SpeechStarted, UtteranceEnd…) is `other`. */
export function parseLiveMessage(data: string): LiveMessage {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { type: "other" };
  }
  const results = resultsSchema.safeParse(value);
  if (results.success) {
    const { start, duration, is_final: isFinal, channel } = results.data;
    return { type: "results", text: channel.alternatives[0]?.transcript ?? "", isFinal, end: start + duration };
  }
  const metadata = metadataSchema.safeParse(value);
  if (metadata.success) return { type: "metadata", duration: metadata.data.duration };
  return { type: "other" };
}
