import { inject } from "vitest";
import { dbRows, sql } from "../../support/factories";
import { call, newRequestId } from "../../support/requests";

/**
 * A client of `GET /ws/voice/transcribe` (docs/notes-and-voice.md#live-relay-as-built) through the real
 * Worker: the upgrade goes through `call` (so the conformance layer sees the operation), the socket is
 * accepted here and every server message is kept in order.
 */
export type ServerMessage =
  | { type: "transcript"; text: string; is_final: boolean }
  | { type: "complete"; credits_used: number; duration_seconds: number; note_id: string }
  | { type: "error"; code: string; message: string };

export interface LiveSocket {
  response: Response;
  messages: ServerMessage[];
  /** Resolves with the close code once the server closed the socket. */
  closed: Promise<number>;
  /** The first message (from the start) that matches; waits for it. */
  next(match: (message: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  send(data: string | ArrayBuffer | Uint8Array): void;
  close(): void;
}

export interface OpenOptions {
  /** `header`: `Sec-WebSocket-Protocol: bearer, <token>` (default); `message`: a first `{type:"auth"}`; `none`. */
  auth?: "header" | "message" | "none";
  /** Extra query text after note_id (e.g. `&token=…`). */
  query?: string;
  /** Sent to the Deepgram fake as the first frame (not audio): `{id, frame_ms, final_every}`. */
  script?: { id: string; frame_ms?: number; final_every?: number };
  invalid?: boolean;
}

export async function openLive(token: string, noteId: string, options: OpenOptions = {}): Promise<LiveSocket> {
  const auth = options.auth ?? "header";
  const headers: Record<string, string> = { Upgrade: "websocket" };
  if (auth === "header") headers["Sec-WebSocket-Protocol"] = `bearer, ${token}`;
  const response = await call(`/api/v1/ws/voice/transcribe?note_id=${noteId}${options.query ?? ""}`, {
    headers,
    requestId: newRequestId("voice"),
    invalid: options.invalid,
  });
  const ws = response.webSocket;
  if (ws === null) throw new Error(`no WebSocket (status ${response.status}): ${await response.text()}`);
  ws.accept();
  ws.binaryType = "arraybuffer";
  const messages: ServerMessage[] = [];
  const waiters: (() => void)[] = [];
  ws.addEventListener("message", (event) => {
    if (typeof event.data === "string") messages.push(JSON.parse(event.data) as ServerMessage);
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<number>((resolve) => {
    ws.addEventListener("close", (event) => {
      resolve(event.code);
      for (const wake of waiters.splice(0)) wake();
    });
  });
  if (auth === "message") ws.send(JSON.stringify({ type: "auth", token }));
  if (options.script !== undefined) ws.send(scriptFrame(options.script));
  return {
    response,
    messages,
    closed,
    async next(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    send: (data) => ws.send(data),
    close: () => ws.close(1000, "bye"),
  };
}

function scriptFrame(script: { id: string }): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(script));
  const frame = new Uint8Array(4 + json.length);
  frame.set(new TextEncoder().encode("pfsc"), 0);
  frame.set(json, 4);
  return frame;
}

/** One fake audio frame (the fake only counts frames; the bytes are opaque, like WebM/Opus clusters). */
export function audioFrame(bytes = 1200): Uint8Array {
  const frame = new Uint8Array(bytes);
  frame[0] = 0x1f;
  return frame;
}

/** Sends `count` audio frames at once (the fake keeps audio time, not wall time). */
export function sendFrames(socket: LiveSocket, count: number): void {
  for (let i = 0; i < count; i += 1) socket.send(audioFrame());
}

export interface LiveTally {
  connections: number;
  frames: number;
  keepalives: number;
  finalizes: number;
  closes: number;
}

export async function liveTally(id: string): Promise<LiveTally> {
  const response = await fetch(`${inject("deepgramUrl")}/_control/live?id=${encodeURIComponent(id)}`);
  return (await response.json()) as LiveTally;
}

/**
 * The voice movements of a user's ledger (docs/notes-and-voice.md "Credits: reserved at the start"): the
 * reservation `voice:<session>` (consume), its refund at the settlement, and the streamed minutes'
 * consumption `voice:<session>:settled`.
 */
export interface VoiceCharges {
  /** Credits taken net (consumptions minus refunds). */
  net: number;
  /** Credits taken by the settlements (`…:settled`). */
  settled: number;
  /** Distinct settlement references (one per settled session). */
  settlements: number;
  /** Credits reserved and not refunded yet. */
  held: number;
}

export async function voiceCharges(userId: string): Promise<VoiceCharges> {
  const rows = await dbRows<{ kind: string; amount: number; reference: string }>(
    sql`select kind, amount, reference from credit_ledger where user_id = ${userId} and reference like 'voice:%' and kind in ('consume', 'refund')`,
  );
  const sum = (keep: (row: { kind: string; reference: string }) => boolean) => rows.filter(keep).reduce((total, row) => total - row.amount, 0);
  const settled = (row: { reference: string }) => row.reference.endsWith(":settled");
  return {
    net: sum(() => true),
    settled: sum(settled),
    settlements: new Set(rows.filter(settled).map((row) => row.reference)).size,
    held: sum((row) => !settled(row)),
  };
}
