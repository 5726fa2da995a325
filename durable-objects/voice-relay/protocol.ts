import { z } from "zod";

/** SPEC §6 live transcription protocol, as the relay speaks it (docs/notes-and-voice.md#live-relay-as-built). */
export const MAX_FRAME_BYTES = 32 * 1024;
/** SPEC §6 hard stop. */
export const MAX_STREAM_SECONDS = 300;
/** KeepAlive to Deepgram after this long without audio (Deepgram closes after 10 s). Also the alarm's period. */
export const KEEPALIVE_MS = 5_000;
/** How long a socket without the subprotocol may take to send `{type:"auth"}`. */
export const AUTH_TIMEOUT_MS = 5_000;
/** How long to wait for Deepgram's last results after CloseStream before settling anyway. */
export const FINALIZE_TIMEOUT_MS = 5_000;
/** Frames a client sent while the relay was still checking and connecting (held, then relayed in order). */
export const MAX_HELD_FRAMES = 512;

export const clientMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auth"), token: z.string().min(1).max(4096) }),
  z.object({ type: z.literal("end_stream") }),
]);

export type RelayErrorCode =
  | "UNAUTHORIZED"
  | "TOKEN_EXPIRED"
  | "NOT_FOUND"
  | "TIER_REQUIRED"
  | "INSUFFICIENT_CREDITS"
  | "TASK_ARCHIVED"
  | "VALIDATION_ERROR"
  | "STREAM_IN_PROGRESS"
  | "TRANSCRIPTION_FAILED"
  | "AI_SERVICE_UNAVAILABLE"
  | "INTERNAL_ERROR";

export type ServerMessage =
  | { type: "transcript"; text: string; is_final: boolean }
  | { type: "complete"; credits_used: number; duration_seconds: number; note_id: string }
  | { type: "error"; code: RelayErrorCode; message: string };

/** The `bearer, <token>` subprotocol pair (RFC 6455 §4.1 list); the token is the second entry. */
export function subprotocolToken(header: string | null): string | undefined {
  if (header === null) return undefined;
  const parts = header.split(",").map((part) => part.trim());
  return parts[0] === "bearer" && parts.length === 2 && parts[1] !== "" ? parts[1] : undefined;
}
