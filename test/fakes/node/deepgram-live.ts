import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { randomUUID } from "node:crypto";
import { WebSocketServer, type WebSocket } from "ws";

/**
 * Deepgram's live API (`GET /v1/listen` upgraded to a WebSocket) on the pre-recorded fake's host
 * (SPEC §16: the live socket is the same host with ws://).
 *
 * - The upgrade must carry `Authorization: Token <key>` → otherwise HTTP 401, like Deepgram. The key
 *   `status-<code>` (e.g. `status-503`) is answered with that HTTP status instead: Deepgram overloaded or down.
 * - Binary frames are audio. A frame that starts with the 4 bytes `pfsc` is the test's script instead (JSON
 *   after the magic: `{id, frame_ms?: 100, final_every?: 10}`) – it is not audio and counts for nothing.
 * - Time is AUDIO time (frames × frame_ms), never wall time: every `final_every` frames a segment ends –
 *   one interim `Results` (is_final false) halfway through it and one final at its end, each in Deepgram's
 *   shape `{type, channel_index, duration, start, is_final, speech_final, channel: {alternatives: [{transcript,
 *   confidence, words}]}, metadata, from_finalize}`; segment n (from 1) says `segment n`.
 * - `{"type":"Finalize"}` → the open segment's final (`from_finalize: true`); `{"type":"CloseStream"}` →
 *   `{type: "Metadata", duration, …}` and close 1000. `{"type":"KeepAlive"}` is counted.
 * - `GET /_control/live?id=<script id>` → `{connections, frames, keepalives, finalizes, closes}`.
 */
export interface LiveScript {
  id: string;
  frame_ms?: number;
  final_every?: number;
}

export interface LiveTally {
  connections: number;
  frames: number;
  keepalives: number;
  finalizes: number;
  closes: number;
}

const MAGIC = "pfsc";

export function attachDeepgramLive(server: Server, apiKey: string): { tally(id: string): LiveTally; close(): void } {
  const tallies = new Map<string, LiveTally>();
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://deepgram");
    const scripted = /^Token status-([1-5]\d\d)$/.exec(request.headers.authorization ?? "")?.[1];
    if (url.pathname === "/v1/listen" && scripted !== undefined) {
      socket.end(`HTTP/1.1 ${scripted} Scripted\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"err_code":"SCRIPTED","err_msg":"Scripted refusal."}`);
      return;
    }
    if (url.pathname !== "/v1/listen" || request.headers.authorization !== `Token ${apiKey}`) {
      socket.end(`HTTP/1.1 ${url.pathname === "/v1/listen" ? "401 Unauthorized" : "404 Not Found"}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials."}`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => session(ws, tallies));
  });
  return {
    tally: (id) => tallies.get(id) ?? { connections: 0, frames: 0, keepalives: 0, finalizes: 0, closes: 0 },
    close: () => wss.close(),
  };
}

function session(ws: WebSocket, tallies: Map<string, LiveTally>): void {
  const requestId = randomUUID();
  let script: Required<LiveScript> = { id: "", frame_ms: 100, final_every: 10 };
  let tally: LiveTally = { connections: 0, frames: 0, keepalives: 0, finalizes: 0, closes: 0 };
  let frames = 0;
  let segment = 0;
  let segmentStartFrame = 0;
  const seconds = (frame: number) => (frame * script.frame_ms) / 1000;
  const results = (isFinal: boolean, endFrame: number, fromFinalize = false) => {
    const start = seconds(segmentStartFrame);
    const duration = seconds(endFrame) - start;
    const transcript = `segment ${segment + 1}`;
    const words = transcript.split(" ").map((word, index, all) => ({
      word,
      start: start + (duration * index) / all.length,
      end: start + (duration * (index + 1)) / all.length,
      confidence: 0.97,
      punctuated_word: word,
    }));
    ws.send(
      JSON.stringify({
        type: "Results",
        channel_index: [0, 1],
        duration,
        start,
        is_final: isFinal,
        speech_final: isFinal,
        channel: { alternatives: [{ transcript, confidence: 0.97, words }] },
        metadata: { request_id: requestId, model_info: { name: "2-general-nova", version: "2024-01-18.26916", arch: "nova-2" }, model_uuid: "c0d1a568-ce81-4fea-97e7-bd45cb1fdf3c" },
        ...(fromFinalize && { from_finalize: true }),
      }),
    );
    if (isFinal) {
      segment += 1;
      segmentStartFrame = endFrame;
    }
  };
  ws.on("message", (data, isBinary) => {
    if (isBinary) {
      if (data.length >= 4 && data.toString("latin1", 0, 4) === MAGIC) {
        script = { ...script, ...scriptOf(data.toString("utf8", 4)) };
        tally = tallies.get(script.id) ?? tally;
        tally.connections += 1;
        tallies.set(script.id, tally);
        return;
      }
      frames += 1;
      tally.frames += 1;
      const into = frames - segmentStartFrame;
      if (into === Math.ceil(script.final_every / 2) && into < script.final_every) results(false, frames);
      if (into === script.final_every) results(true, frames);
      return;
    }
    const message = controlMessage(data.toString("utf8"));
    if (message.type === "KeepAlive") tally.keepalives += 1;
    if (message.type === "Finalize") {
      tally.finalizes += 1;
      if (frames > segmentStartFrame) results(true, frames, true);
    }
    if (message.type === "CloseStream") {
      tally.closes += 1;
      ws.send(JSON.stringify({ type: "Metadata", transaction_key: "deprecated", request_id: requestId, sha256: "", created: new Date().toISOString(), duration: seconds(frames), channels: 1 }));
      ws.close(1000, "");
    }
  });
}

/** A text frame as Deepgram reads it: JSON with a `type`, anything else ignored (Deepgram answers an error). */
function controlMessage(text: string): { type?: string } {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && "type" in value && typeof value.type === "string" ? { type: value.type } : {};
  } catch {
    return {};
  }
}

function scriptOf(text: string): Partial<LiveScript> & { id: string } {
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || !("id" in value) || typeof value.id !== "string") throw new Error("live script needs an id");
  const number = (key: string): number | undefined => {
    const field: unknown = key in value ? Reflect.get(value, key) : undefined;
    return typeof field === "number" ? field : undefined;
  };
  const frameMs = number("frame_ms");
  const finalEvery = number("final_every");
  return { id: value.id, ...(frameMs !== undefined && { frame_ms: frameMs }), ...(finalEvery !== undefined && { final_every: finalEvery }) };
}
