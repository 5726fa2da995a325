import { z } from "@hono/zod-openapi";
import { relayUpgrade } from "../../../durable-objects/voice-relay/client";
import { MAX_FRAME_BYTES, MAX_STREAM_SECONDS } from "../../../durable-objects/voice-relay/protocol";
import { ApiError } from "../../errors/api-error";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";

/** Query names a client might put an access token in: refused, because URLs land in logs (SPEC §6). */
const TOKEN_PARAMS = ["token", "access_token", "bearer", "authorization", "jwt"];

const route = defineRoute({
  method: "get",
  path: "/ws/voice/transcribe",
  tags: ["Notes"],
  summary: "Live transcription into a note (WebSocket)",
  description: [
    "docs/notes-and-voice.md#live-relay-as-built. A WebSocket upgrade. Authenticate with `Sec-WebSocket-Protocol: bearer, <access token>`",
    "(the server answers the subprotocol `bearer`) or with a first text message `{\"type\":\"auth\",\"token\":\"…\"}` within 5 s;",
    "a token in the query string is refused. Pro only; at least one started minute of credits (5) before any audio is relayed.",
    `Client → server: binary audio frames (WebM/Opus, ≤ ${MAX_FRAME_BYTES} bytes each), then \`{"type":"end_stream"}\`.`,
    'Server → client: `{"type":"transcript","text","is_final"}`, `{"type":"complete","credits_used","duration_seconds","note_id"}`,',
    '`{"type":"error","code","message"}` (codes UNAUTHORIZED, TOKEN_EXPIRED, NOT_FOUND, TIER_REQUIRED, INSUFFICIENT_CREDITS, TASK_ARCHIVED,',
    "VALIDATION_ERROR, STREAM_IN_PROGRESS, TRANSCRIPTION_FAILED, AI_SERVICE_UNAVAILABLE, INTERNAL_ERROR), each followed by a close.",
    `Hard stop at ${MAX_STREAM_SECONDS} s of audio or wall time (then \`complete\`). One socket per note. Final segments are appended to the note as they arrive;`,
    "credits (5 per started minute of audio streamed) are charged once at the end, also when the client disconnects.",
    "Every error after the upgrade arrives on the socket, not as an HTTP status.",
  ].join(" "),
  access: "public",
  database: false,
  request: {
    query: z.object({
      note_id: z.uuid().openapi({ description: "The note the transcript is appended to (yours)." }),
    }),
    headers: z.object({
      upgrade: z.string().regex(/^[Ww][Ee][Bb][Ss][Oo][Cc][Kk][Ee][Tt]$/).openapi({ description: "A WebSocket handshake (RFC 6455); anything else → 400.", example: "websocket" }),
      "sec-websocket-protocol": z.string().max(8192).optional().openapi({ description: "`bearer, <access token>` (or authenticate with the first message).", example: "bearer, eyJhbGciOiJSUzI1NiIs…" }),
    }),
  },
  responses: {
    101: { description: "Switching Protocols: the WebSocket of the live transcription protocol above." },
  },
});

export function registerLiveTranscription(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const url = new URL(c.req.url);
    if (TOKEN_PARAMS.some((name) => url.searchParams.has(name))) {
      // Never echoed or logged; the client learns why on the socket (or in a 400 without one).
      if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") throw new ApiError("VALIDATION_ERROR", { message: "Access tokens never go in the URL; use the Sec-WebSocket-Protocol header or a first auth message." });
      const pair = new WebSocketPair();
      pair[1].accept();
      pair[1].send(JSON.stringify({ type: "error", code: "UNAUTHORIZED", message: "Access tokens never go in the URL; use the Sec-WebSocket-Protocol header or a first auth message." }));
      pair[1].close(1008, "UNAUTHORIZED");
      c.set("logOutcome", "token_in_query_refused");
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError("VALIDATION_ERROR", { message: "This endpoint is a WebSocket: send `Upgrade: websocket`.", details: [{ field: "header.upgrade", reason: "Expected websocket." }] });
    }
    const { note_id: noteId } = c.req.valid("query");
    const relayed = await relayUpgrade(c.env, noteId, new Request(`https://voice-relay/?note_id=${noteId}`, { headers: c.req.raw.headers }));
    c.set("logOutcome", "live_transcription_opened");
    // The relay's response is immutable; middleware adds headers, so answer a copy that holds the same socket.
    return new Response(null, { status: 101, webSocket: relayed.webSocket, headers: relayed.headers });
  });
}
