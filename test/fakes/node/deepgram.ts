import { randomUUID, createHash } from "node:crypto";
import type { FakeScript } from "../../support/audio.ts";
import type { Server } from "node:http";
import { attachDeepgramLive } from "./deepgram-live";
import { listen, readBody, sendJson, type RunningServer } from "./http";

/**
 * Deepgram's pre-recorded API as the Worker sees it (docs/notes-and-voice.md#batch-transcription):
 * `POST /v1/listen?model=…` with `Authorization: Token <key>` and the raw audio as the body.
 *
 * - A missing or wrong key → 401 `{err_code: "INVALID_AUTH", err_msg, request_id}`, like Deepgram.
 * - A body that is not audio (content type not `audio/*`) or is empty → 400 `{err_code: "Bad Request", …}`.
 * - Otherwise Deepgram's real response shape: `{metadata: {transaction_key, request_id, sha256, created,
 *   duration, channels, models, model_info}, results: {channels: [{alternatives: [{transcript, confidence,
 *   words}]}]}}`. The duration is computed from the WAV received (data bytes / byte rate); for other
 *   containers it is the script's `duration` (default 42.5 s).
 *
 * Tests script each request through the audio itself, so parallel test files never share state: a WAV may
 * carry a `pfsc` RIFF chunk (decoders skip unknown chunks) holding JSON
 * `{id, transcript?, fail?: <status>, hang?: true, malformed?: true, duration?, delay_ms?}`. The fake counts calls per
 * script id: `GET /_control/calls?id=<id>` → `{count, queries: [...]}` (what the Worker sent: query, content
 * type). The script chunk is read from the first 1 KB only.
 */
export const DEEPGRAM_TEST_KEY = "dg-test-key-0123456789";

/** What a test's WAV asks of the fake for its one request (test/support/audio.ts writes it into the file). */
export type DeepgramScript = FakeScript;

interface Call {
  query: Record<string, string>;
  contentType: string;
  bytes: number;
}

export async function startDeepgramFake(): Promise<RunningServer> {
  const calls = new Map<string, Call[]>();
  const hanging = new Set<() => void>();
  let live: ReturnType<typeof attachDeepgramLive> | undefined;
  const server = await listen(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://deepgram");
    if (request.method === "GET" && url.pathname === "/_control/live" && live !== undefined) {
      return sendJson(response, 200, live.tally(url.searchParams.get("id") ?? ""));
    }
    if (request.method === "GET" && url.pathname === "/_control/calls") {
      const list = calls.get(url.searchParams.get("id") ?? "") ?? [];
      return sendJson(response, 200, { count: list.length, queries: list });
    }
    if (request.method !== "POST" || url.pathname !== "/v1/listen") return sendJson(response, 404, { err_code: "NOT_FOUND", err_msg: "Not found." });
    const requestId = randomUUID();
    if (request.headers.authorization !== `Token ${DEEPGRAM_TEST_KEY}`) {
      await readBody(request);
      return sendJson(response, 401, { err_code: "INVALID_AUTH", err_msg: "Invalid credentials.", request_id: requestId });
    }
    const body = await readBody(request);
    const contentType = String(request.headers["content-type"] ?? "");
    if (!contentType.startsWith("audio/") || body.length === 0) {
      return sendJson(response, 400, { err_code: "Bad Request", err_msg: "Bad Request: failed to process audio: corrupt or unsupported data", request_id: requestId });
    }
    const script = scriptOf(body);
    if (script) {
      const list = calls.get(script.id) ?? [];
      list.push({ query: Object.fromEntries(url.searchParams), contentType, bytes: body.length });
      calls.set(script.id, list);
    }
    if (script?.hang) {
      // Never answers; the connection is dropped when the Worker gives up (or the fake closes).
      await new Promise<void>((resolve) => {
        hanging.add(resolve);
        request.on("close", resolve);
      });
      return;
    }
    if (script?.delay_ms !== undefined) await new Promise((resolve) => setTimeout(resolve, script.delay_ms));
    if (script?.fail !== undefined) return sendJson(response, script.fail, { err_code: "INTERNAL_SERVER_ERROR", err_msg: "Internal server error.", request_id: requestId });
    if (script?.malformed) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"metadata": {"request_id": ');
      return;
    }
    const duration = wavDuration(body) ?? script?.duration ?? 42.5;
    const transcript = script?.transcript ?? "";
    sendJson(response, 200, prerecordedResponse(requestId, body, duration, transcript));
  }, (http: Server) => {
    live = attachDeepgramLive(http, DEEPGRAM_TEST_KEY);
  });
  return {
    origin: server.origin,
    close: async () => {
      for (const resolve of hanging) resolve();
      live?.close();
      await server.close();
    },
  };
}

function prerecordedResponse(requestId: string, body: Buffer, duration: number, transcript: string) {
  const model = "30089e05-99d1-4376-b32e-c263170674af";
  const words = transcript.split(/\s+/).filter((word) => word !== "");
  const step = words.length === 0 ? 0 : duration / words.length;
  return {
    metadata: {
      transaction_key: "deprecated",
      request_id: requestId,
      sha256: createHash("sha256").update(body).digest("hex"),
      created: new Date().toISOString(),
      duration,
      channels: 1,
      models: [model],
      model_info: { [model]: { name: "2-general-nova", version: "2024-01-09.29447", arch: "nova-2" } },
    },
    results: {
      channels: [
        {
          alternatives: [
            {
              transcript,
              confidence: words.length === 0 ? 0 : 0.98,
              words: words.map((word, index) => ({
                word: word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, ""),
                start: index * step,
                end: (index + 1) * step,
                confidence: 0.98,
                punctuated_word: word,
              })),
            },
          ],
        },
      ],
    },
  };
}

/** The `pfsc` script chunk of a WAV, if any. */
function scriptOf(body: Buffer): DeepgramScript | undefined {
  if (body.length < 12 || body.toString("latin1", 0, 4) !== "RIFF") return undefined;
  for (let offset = 12; offset + 8 <= Math.min(body.length, 1024); ) {
    const id = body.toString("latin1", offset, offset + 4);
    const size = body.readUInt32LE(offset + 4);
    if (id === "pfsc") return JSON.parse(body.toString("utf8", offset + 8, offset + 8 + size)) as DeepgramScript;
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/** Seconds of a PCM WAV: data bytes / byte rate (undefined for anything else). */
function wavDuration(body: Buffer): number | undefined {
  if (body.length < 12 || body.toString("latin1", 0, 4) !== "RIFF" || body.toString("latin1", 8, 12) !== "WAVE") return undefined;
  let byteRate = 0;
  for (let offset = 12; offset + 8 <= body.length; ) {
    const id = body.toString("latin1", offset, offset + 4);
    const size = body.readUInt32LE(offset + 4);
    if (id === "fmt ") byteRate = body.readUInt32LE(offset + 16);
    if (id === "data") return byteRate === 0 ? undefined : Math.min(size, body.length - offset - 8) / byteRate;
    offset += 8 + size + (size % 2);
  }
  return undefined;
}
