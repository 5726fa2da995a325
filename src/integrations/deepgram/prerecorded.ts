import { z } from "zod";
import { ProviderFailure } from "../provider-failure";

/**
 * Deepgram's pre-recorded API (docs/notes-and-voice.md#batch-transcription): ONE request –
 * `POST {base}/v1/listen?model=nova-2&smart_format=true&punctuate=true` with `Authorization: Token <key>`,
 * the audio as the body and its content type passed through – answering
 * `{metadata: {request_id, duration, channels, …}, results: {channels: [{alternatives: [{transcript, …}]}]}}`.
 *
 * Plain `fetch` rather than `@deepgram/sdk` (ARCHITECTURE's stack names it, but it is not installed in this
 * repository yet, and for one POST the SDK adds nothing we rely on); swapping it in later changes this file
 * only. No retries here: the caller refunds and tells the client to retry (a retry would double the wait).
 */
export interface PrerecordedRequest {
  baseUrl: string;
  apiKey: string;
  audio: ArrayBuffer;
  contentType: string;
  timeoutMs: number;
}

export interface PrerecordedResult {
  transcript: string;
  /** Seconds of audio Deepgram processed (`metadata.duration`). */
  duration: number;
  requestId: string;
}

/** Why a call failed; every kind is refunded and answered 502 TRANSCRIPTION_FAILED. */
export class DeepgramFailure extends ProviderFailure {
  override name = "DeepgramFailure";
}

const responseSchema = z.object({
  metadata: z.object({ request_id: z.string(), duration: z.number().nonnegative() }),
  results: z.object({
    channels: z.array(z.object({ alternatives: z.array(z.object({ transcript: z.string() })) })),
  }),
});

export async function transcribePrerecorded(request: PrerecordedRequest): Promise<PrerecordedResult> {
  const url = new URL("/v1/listen", request.baseUrl);
  url.search = new URLSearchParams({ model: "nova-2", smart_format: "true", punctuate: "true" }).toString();
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Token ${request.apiKey}`, "Content-Type": request.contentType },
      body: request.audio,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new DeepgramFailure(timedOut ? "timeout" : "network", timedOut ? "Deepgram did not answer in time." : "Deepgram could not be reached.");
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    throw new DeepgramFailure("timeout", "Deepgram's answer did not arrive in time.");
  }
  if (!response.ok) throw new DeepgramFailure("status", `Deepgram answered ${response.status}.`, response.status);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DeepgramFailure("malformed", "Deepgram's answer is not JSON.");
  }
  const parsed = responseSchema.safeParse(body);
  if (!parsed.success) throw new DeepgramFailure("malformed", "Deepgram's answer has an unexpected shape.");
  const transcript = parsed.data.results.channels[0]?.alternatives[0]?.transcript ?? "";
  return { transcript: transcript.trim(), duration: parsed.data.metadata.duration, requestId: parsed.data.metadata.request_id };
}
