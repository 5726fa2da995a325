import { DurableObject } from "cloudflare:workers";
import type * as Services from "./services";
import { lazy } from "../../src/lib/lazy";
import type { Bindings } from "../../src/env";
import { ApiError } from "../../src/errors/api-error";
import { AccessTokenRejected, verifyAccessToken } from "../../src/lib/jwt";
import type { ServiceContext } from "../../src/services/context";
import {
  AUTH_TIMEOUT_MS,
  clientMessageSchema,
  FINALIZE_TIMEOUT_MS,
  KEEPALIVE_MS,
  MAX_FRAME_BYTES,
  MAX_HELD_FRAMES,
  MAX_STREAM_SECONDS,
  subprotocolToken,
  type RelayErrorCode,
  type ServerMessage,
} from "./protocol";

type RelayServices = typeof Services;

/** services.ts, imported once per isolate; test/support/preload-resources.ts calls it too. */
export const loadRelayServices = lazy(() => import("./services"));

/** The session as kept in storage (one row): what a restarted relay needs to settle it. */
interface SessionRow extends Record<string, SqlStorageValue> {
  session_id: string;
  user_id: string;
  note_id: string;
  max_content_length: number;
  /** Wall-clock deadline (ms): the start + cap_seconds. */
  cap_at: number;
  /** The session's cap: the minutes its reservation covers (≤ 300 s). */
  cap_seconds: number;
  /** Credits consumed up front under `voice:<session id>`; the settlement refunds them and charges the audio. */
  reserved_credits: number;
  audio_seconds: number;
}

/** The live half of a session: both sockets, only in memory (outgoing sockets cannot hibernate). */
interface Live {
  session: SessionRow;
  client: WebSocket;
  deepgram: WebSocket;
  lastAudioAt: number;
  finishing?: Promise<void>;
  /** Resolves when Deepgram has answered CloseStream (Metadata or its close). */
  drained?: () => void;
}

const RELAYED_CODES = ["UNAUTHORIZED", "TOKEN_EXPIRED", "NOT_FOUND", "TIER_REQUIRED", "INSUFFICIENT_CREDITS", "TASK_ARCHIVED", "VALIDATION_ERROR"] as const satisfies readonly RelayErrorCode[];

/** The start checks' domain errors the client is told as they are; anything else is INTERNAL_ERROR. */
function relayedCode(code: string): RelayErrorCode | undefined {
  return RELAYED_CODES.find((candidate) => candidate === code);
}

/**
 * VoiceRelay – one per NOTE (`idFromName(noteId)`), so "one socket per note" is decided inside one
 * single-threaded object; each session gets its own id (the credit reference). The relay of
 * docs/notes-and-voice.md#live-relay-as-built:
 *
 * - accepts the client socket (auth by the `bearer, <token>` subprotocol or a first `{type:"auth"}`), checks
 *   the note, the tier and the credits in one read (services/notes/live-transcription.ts), then opens Deepgram;
 * - relays audio (≤ 32 KB a frame) and Deepgram's Results as `{type:"transcript"}`;
 * - keeps every final segment in SQLite storage first, then appends it to the note (segments that arrive
 *   while an append is on the wire go together in the next one) – an eviction loses nothing final;
 * - an alarm every KEEPALIVE_MS sends Deepgram KeepAlive while the client is silent, enforces the 300 s wall
 *   cap, and – in an instance that lost its sockets (eviction, restart) – settles the session left in storage;
 * - settles once: appended leftovers + duration + credits in one batch keyed by the session id.
 */
export class VoiceRelay extends DurableObject<Bindings> {
  private live: Live | undefined;
  private flushing: Promise<void> | undefined;
  /** A session passed its checks and waits for Deepgram's socket or its reservation. */
  private starting = false;
  private loaded: RelayServices | undefined;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    // No event reaches the instance before its services are in (services.ts).
    void ctx.blockConcurrencyWhile(async () => {
      this.loaded = await loadRelayServices();
    });
    const sql = ctx.storage.sql;
    sql.exec(`create table if not exists session (session_id text primary key, user_id text not null, note_id text not null,
      max_content_length integer not null, cap_at integer not null, audio_seconds real not null)`);
    // Added with the reservation; a session stored by an older relay reserved nothing and had the 300 s cap.
    const columns = new Set(sql.exec<{ name: string }>("select name from pragma_table_info('session')").toArray().map((row) => row.name));
    if (!columns.has("reserved_credits")) sql.exec("alter table session add column reserved_credits integer not null default 0");
    if (!columns.has("cap_seconds")) sql.exec(`alter table session add column cap_seconds real not null default ${MAX_STREAM_SECONDS}`);
    sql.exec("create table if not exists segments (seq integer primary key autoincrement, text text not null, appended integer not null default 0)");
  }

  private get services(): RelayServices {
    if (this.loaded === undefined) throw new Error("VoiceRelay: services.ts is imported in the constructor, before any event");
    return this.loaded;
  }

  async ping(name: string): Promise<{ name: string; at: string }> {
    return { name, at: new Date().toISOString() };
  }

  /** The upgrade, handed over by the route (which checked the query and the Upgrade header). */
  override async fetch(request: Request): Promise<Response> {
    const noteId = new URL(request.url).searchParams.get("note_id") ?? "";
    const offered = request.headers.get("Sec-WebSocket-Protocol");
    const token = subprotocolToken(offered);
    const pair = new WebSocketPair();
    const client = pair[1];
    client.accept();
    // At this compatibility date binary frames arrive as Blob by default; the relay forwards ArrayBuffers.
    client.binaryType = "arraybuffer";
    void this.admit(client, noteId, token).catch((error: unknown) => this.fail(client, error));
    return new Response(null, { status: 101, webSocket: pair[0], headers: token === undefined ? {} : { "Sec-WebSocket-Protocol": "bearer" } });
  }

  /**
   * Auth (subprotocol or first message), the start checks, Deepgram. Frames meanwhile: audio is held (after
   * auth) and relayed once Deepgram is open; a violation, or the client leaving, is noted and decided at the
   * next step (a promise that already resolved cannot be rejected any more).
   */
  private async admit(client: WebSocket, noteId: string, headerToken: string | undefined): Promise<void> {
    const held: ArrayBuffer[] = [];
    let token = headerToken;
    let admitted = false;
    let violation: RelayError | undefined;
    let ended = false;
    let gone = false;
    let wake: (() => void) | undefined;
    let wakeAuth: ((token: string) => void) | undefined;
    const violate = (error: RelayError) => {
      violation ??= error;
      wake?.();
    };
    const authed = new Promise<string>((resolve, reject) => {
      if (token !== undefined) return resolve(token);
      wake = () => reject(violation ?? new RelayError("VALIDATION_ERROR", "closed"));
      const timer = setTimeout(() => violate(new RelayError("UNAUTHORIZED", 'Send {"type":"auth","token":"…"} first.')), AUTH_TIMEOUT_MS);
      const resolveWith = (value: string) => {
        clearTimeout(timer);
        resolve(value);
      };
      wakeAuth = resolveWith;
    });
    client.addEventListener("message", (event) => {
      if (admitted) return;
      if (typeof event.data !== "string") {
        if (token === undefined) return violate(new RelayError("UNAUTHORIZED", "Audio before authentication."));
        if (!(event.data instanceof ArrayBuffer)) return violate(new RelayError("VALIDATION_ERROR", "Unreadable frame."));
        if (event.data.byteLength > MAX_FRAME_BYTES) return violate(new RelayError("VALIDATION_ERROR", `Audio frames are at most ${MAX_FRAME_BYTES} bytes.`));
        if (held.length >= MAX_HELD_FRAMES) return violate(new RelayError("VALIDATION_ERROR", `More than ${MAX_HELD_FRAMES} audio frames before the stream started; nothing was charged.`));
        held.push(event.data);
        return;
      }
      const message = parseClient(event.data);
      if (message?.type === "auth" && token === undefined) {
        token = message.token;
        wakeAuth?.(message.token);
        return;
      }
      if (message?.type === "end_stream" && token !== undefined) {
        ended = true;
        return;
      }
      violate(new RelayError("VALIDATION_ERROR", "Not a message of this protocol before the stream started."));
    });
    client.addEventListener("close", () => {
      gone = true;
      violate(new RelayError("VALIDATION_ERROR", "closed"));
    });
    const check = () => {
      if (violation !== undefined && !(gone && violation.message === "closed" && held.length > 0)) throw violation;
    };
    const userId = await this.authenticate(await authed);
    check();
    // Before the credit check: the stream already running holds this user's reservation.
    if (this.live !== undefined || this.starting) throw new RelayError("STREAM_IN_PROGRESS", "This note is already being transcribed on another socket.");
    const ctx = this.context(`voice:${noteId}:start`, userId);
    const start = await this.services.checkLiveStart({ ctx, input: { userId, noteId, maxSeconds: MAX_STREAM_SECONDS } }).catch((error: unknown) => {
      const code = error instanceof ApiError ? relayedCode(error.code) : undefined;
      if (code !== undefined && error instanceof Error) throw new RelayError(code, error.message);
      throw error;
    });
    check();
    if (this.live !== undefined || this.starting) throw new RelayError("STREAM_IN_PROGRESS", "This note is already being transcribed on another socket.");
    // Claimed before any await, so a second socket meanwhile is refused.
    this.starting = true;
    let deepgram: WebSocket;
    let session: SessionRow;
    try {
      // A session an evicted instance left behind is settled before a new one starts.
      await this.settleLeftover({ admitting: true });
      // One session in storage at a time (its segments are the object's): a leftover that could not be settled
      // yet (the database unreachable) keeps the note's relay busy until the alarm settles it.
      if (this.ctx.storage.sql.exec("select 1 from session limit 1").toArray().length > 0) {
        throw new RelayError("INTERNAL_ERROR", "An earlier session of this note is still being saved; try again shortly.");
      }
      const apiKey = ctx.config.DEEPGRAM_API_KEY;
      if (apiKey === undefined) throw new RelayError("AI_SERVICE_UNAVAILABLE", "Transcription is not configured on this server.");
      const capSeconds = Math.min(MAX_STREAM_SECONDS, start.minutes * 60);
      session = {
        session_id: crypto.randomUUID(),
        user_id: userId,
        note_id: noteId,
        max_content_length: start.maxContentLength,
        cap_at: Date.now() + capSeconds * 1000,
        cap_seconds: capSeconds,
        reserved_credits: 0,
        audio_seconds: 0,
      };
      try {
        deepgram = await this.services.openDeepgramLive({ baseUrl: ctx.config.DEEPGRAM_BASE_URL, apiKey });
      } catch (error) {
        if (error instanceof this.services.DeepgramLiveFailure) throw new RelayError("TRANSCRIPTION_FAILED", "The transcription service is not reachable; nothing was charged.");
        throw error;
      }
      try {
        check();
        session.reserved_credits = await this.reserve(session, start.minutes);
      } catch (error) {
        closeQuietly(deepgram, 1000, "refused");
        throw error;
      }
    } finally {
      this.starting = false;
    }
    admitted = true;
    const live: Live = { session, client, deepgram, lastAudioAt: Date.now() };
    this.live = live;
    this.wire(live);
    for (const frame of held) deepgram.send(frame);
    await this.ctx.storage.setAlarm(Date.now() + KEEPALIVE_MS);
    // The client said end_stream, or left, while we were connecting: the audio it sent is still transcribed.
    if (ended || gone) void this.finish(live);
  }

  /**
   * Reserves the session's minutes (docs/notes-and-voice.md "Credits: reserved at the start"). The session is
   * in storage BEFORE the reservation goes out: an instance that dies with the reservation on the wire leaves
   * it to the leftover settlement, which refunds it (or nothing, when it never committed). Not enough credits
   * any more (spent since the check) → INSUFFICIENT_CREDITS, nothing taken, nothing kept.
   */
  private async reserve(session: SessionRow, minutes: number): Promise<number> {
    const sql = this.ctx.storage.sql;
    sql.exec(
      "insert into session (session_id, user_id, note_id, max_content_length, cap_at, cap_seconds, reserved_credits, audio_seconds) values (?, ?, ?, ?, ?, ?, 0, 0)",
      session.session_id, session.user_id, session.note_id, session.max_content_length, session.cap_at, session.cap_seconds,
    );
    const ctx = this.context(`voice:${session.session_id}:reserve`, session.user_id);
    try {
      const credits = await this.services.reserveLiveCredits({ ctx, input: { sessionId: session.session_id, userId: session.user_id, minutes } });
      sql.exec("update session set reserved_credits = ? where session_id = ?", credits, session.session_id);
      return credits;
    } catch (error) {
      if (error instanceof ApiError && error.code === "INSUFFICIENT_CREDITS") {
        sql.exec("delete from session where session_id = ?", session.session_id);
        throw new RelayError("INSUFFICIENT_CREDITS", error.message);
      }
      // Unknown outcome: the alarm (or the next socket) settles the session, refunding whatever was taken.
      await this.ctx.storage.setAlarm(Date.now() + KEEPALIVE_MS);
      throw error;
    }
  }

  private async authenticate(token: string): Promise<string> {
    const ctx = this.context("voice:auth", undefined);
    try {
      return (await verifyAccessToken(ctx.config, token, ctx.clock.now())).userId;
    } catch (error) {
      if (!(error instanceof AccessTokenRejected)) throw error;
      throw error.reason === "expired" ? new RelayError("TOKEN_EXPIRED", "The access token expired.") : new RelayError("UNAUTHORIZED", "The access token is not valid.");
    }
  }

  private wire(live: Live): void {
    const { client, deepgram } = live;
    client.addEventListener("message", (event) => {
      if (live.finishing !== undefined) return;
      if (typeof event.data !== "string") {
        if (!(event.data instanceof ArrayBuffer)) return this.refuse(live, "VALIDATION_ERROR", "Unreadable frame.");
        if (event.data.byteLength > MAX_FRAME_BYTES) return this.refuse(live, "VALIDATION_ERROR", `Audio frames are at most ${MAX_FRAME_BYTES} bytes.`);
        live.lastAudioAt = Date.now();
        try {
          deepgram.send(event.data);
        } catch {
          // Deepgram's socket went away: its close event finishes the session (settling what was streamed).
          void this.finish(live);
        }
        return;
      }
      const message = parseClient(event.data);
      if (message?.type === "end_stream") return void this.finish(live);
      this.refuse(live, "VALIDATION_ERROR", "Not a message of this protocol (binary audio or {type:\"end_stream\"}).");
    });
    client.addEventListener("close", () => void this.finish(live));
    client.addEventListener("error", () => void this.finish(live));
    deepgram.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      const message = this.services.parseLiveMessage(event.data);
      if (message.type === "metadata") {
        this.recordSeconds(live, message.duration);
        live.drained?.();
      }
      if (message.type !== "results") return;
      this.recordSeconds(live, message.end);
      this.send(live.client, { type: "transcript", text: message.text, is_final: message.isFinal });
      if (message.isFinal && message.text !== "") {
        this.ctx.storage.sql.exec("insert into segments (text) values (?)", message.text);
        void this.flush(live);
      }
      // The session's cap: its reserved minutes (300 s at most) – the stream ends with `complete`.
      if (live.session.audio_seconds >= live.session.cap_seconds) void this.finish(live);
    });
    deepgram.addEventListener("close", () => {
      live.drained?.();
      void this.finish(live);
    });
    deepgram.addEventListener("error", () => {
      live.drained?.();
      void this.finish(live);
    });
  }

  private recordSeconds(live: Live, seconds: number): void {
    const capped = Math.min(live.session.cap_seconds, seconds);
    if (capped <= live.session.audio_seconds) return;
    live.session.audio_seconds = capped;
    this.ctx.storage.sql.exec("update session set audio_seconds = ? where session_id = ?", capped, live.session.session_id);
  }

  /**
   * Appends the stored, not yet appended segments – one statement for all that are waiting; one append on the
   * wire at a time (segments arriving meanwhile go in the next). Once the session is finishing, the
   * settlement takes the rest. A failed append leaves them for the settlement.
   */
  private flush(live: Live): Promise<void> {
    this.flushing ??= (async () => {
      const session = live.session;
      const ctx = this.context(`voice:${session.session_id}:append`, session.user_id);
      try {
        while (live.finishing === undefined) {
          const rows = this.ctx.storage.sql.exec<{ seq: number; text: string }>("select seq, text from segments where appended = 0 order by seq").toArray();
          const last = rows.at(-1);
          if (last === undefined) break;
          // A crash after this commits and before the mark below sends these again: their (session, seq) rows
          // are in the database by then, so they are not appended twice.
          await this.services.appendLiveSegments({
            ctx,
            input: { sessionId: session.session_id, userId: session.user_id, noteId: session.note_id, segments: rows, maxContentLength: session.max_content_length },
          });
          this.ctx.storage.sql.exec("update segments set appended = 1 where seq <= ?", last.seq);
        }
      } catch (error) {
        ctx.log.warn("live segments not appended yet (kept for the settlement)", { error });
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /** end_stream, the cap, a frame refused, either socket gone: Finalize + CloseStream, wait, settle, complete. */
  private finish(live: Live): Promise<void> {
    live.finishing ??= (async () => {
      const drained = new Promise<void>((resolve) => {
        live.drained = resolve;
        setTimeout(resolve, FINALIZE_TIMEOUT_MS);
      });
      try {
        live.deepgram.send(JSON.stringify({ type: "Finalize" }));
        live.deepgram.send(JSON.stringify({ type: "CloseStream" }));
      } catch {
        live.drained?.();
      }
      await drained;
      const outcome = await this.settle(live.session);
      if (outcome !== undefined) this.send(live.client, { type: "complete", ...outcome, note_id: live.session.note_id });
      else this.send(live.client, { type: "error", code: "INTERNAL_ERROR", message: "The session could not be settled yet; your transcript is kept and will be saved." });
      closeQuietly(live.client, 1000, "complete");
      closeQuietly(live.deepgram, 1000, "done");
      if (this.live === live) this.live = undefined;
    })();
    return live.finishing;
  }

  /**
   * The once-only settlement (≤ 1 batch): leftover segments, duration and credits. On success the session and
   * its segments leave storage; on failure they stay for the alarm to try again.
   */
  private async settle(session: SessionRow): Promise<{ credits_used: number; duration_seconds: number } | undefined> {
    while (this.flushing !== undefined) await this.flushing;
    const sql = this.ctx.storage.sql;
    const segments = sql.exec<{ seq: number; text: string }>("select seq, text from segments where appended = 0 order by seq").toArray();
    const ctx = this.context(`voice:${session.session_id}:settle`, session.user_id);
    try {
      const outcome = await this.services.settleLiveSession({
        ctx,
        input: {
          sessionId: session.session_id,
          userId: session.user_id,
          noteId: session.note_id,
          segments,
          maxContentLength: session.max_content_length,
          durationSeconds: session.audio_seconds,
        },
      });
      sql.exec("delete from segments");
      sql.exec("delete from session where session_id = ?", session.session_id);
      await this.ctx.storage.deleteAlarm();
      ctx.log.info("live transcription settled", { note_id: session.note_id, session_id: session.session_id, ...outcome });
      return outcome;
    } catch (error) {
      ctx.log.error("live transcription settlement failed (kept for the alarm)", { error, session_id: session.session_id });
      await this.ctx.storage.setAlarm(Date.now() + KEEPALIVE_MS);
      return undefined;
    }
  }

  /** A session in storage that no socket of this instance holds (the instance before this one was evicted). */
  private async settleLeftover(options: { admitting?: boolean } = {}): Promise<void> {
    const row = this.ctx.storage.sql.exec<SessionRow>("select * from session").toArray()[0];
    if (row === undefined || this.live?.session.session_id === row.session_id) return;
    // While a session of this instance is reserving, its own row is no leftover (the admitting socket itself
    // settles before it stores its row, so whatever it finds is one).
    if (this.starting && options.admitting !== true) return;
    await this.settle(row);
  }

  override async alarm(): Promise<void> {
    const live = this.live;
    if (live === undefined || live.finishing !== undefined) {
      if (live === undefined) await this.settleLeftover();
      return;
    }
    const capAt = this.ctx.storage.sql.exec<{ cap_at: number }>("select cap_at from session where session_id = ?", live.session.session_id).toArray()[0]?.cap_at ?? live.session.cap_at;
    const now = Date.now();
    if (now >= capAt) {
      await this.finish(live);
      return;
    }
    if (now - live.lastAudioAt >= KEEPALIVE_MS) {
      try {
        live.deepgram.send(JSON.stringify({ type: "KeepAlive" }));
      } catch {
        void this.finish(live);
        return;
      }
    }
    await this.ctx.storage.setAlarm(Math.min(now + KEEPALIVE_MS, capAt));
  }

  /** A protocol violation during the stream: error, close – and the audio streamed so far is settled. */
  private refuse(live: Live, code: RelayErrorCode, message: string): void {
    this.send(live.client, { type: "error", code, message });
    closeQuietly(live.client, 1008, code);
    void this.finish(live);
  }

  private fail(client: WebSocket, error: unknown): void {
    if (error instanceof RelayError) {
      if (error.message !== "closed") this.send(client, { type: "error", code: error.code, message: error.message });
    } else {
      this.context("voice:error", undefined).log.error("live transcription failed to start", { error });
      this.send(client, { type: "error", code: "INTERNAL_ERROR", message: "Something went wrong on our side." });
    }
    closeQuietly(client, 1008, error instanceof RelayError ? error.code : "INTERNAL_ERROR");
  }

  private send(client: WebSocket, message: ServerMessage): void {
    try {
      client.send(JSON.stringify(message));
    } catch {
      // The client is gone; the session settles without it.
    }
  }

  private context(label: string, userId: string | undefined): ServiceContext {
    const ctx = this.services.systemContext(this.env, this.ctx, label, "voice_relay");
    return userId === undefined ? ctx : { ...ctx, actor: { type: "system", job: `voice_relay:${userId}` } };
  }
}

class RelayError extends Error {
  constructor(readonly code: RelayErrorCode, message: string) {
    super(message);
  }
}

function parseClient(data: string) {
  try {
    const parsed = clientMessageSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Already closed.
  }
}
