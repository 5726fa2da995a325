import { DurableObject } from "cloudflare:workers";
import { BUFFER_SIZE, BUSY_RETRY_AFTER_SECONDS, HEARTBEAT_MS, MAX_CONNECTIONS, RETRY_MS } from "./policy";
import { eventFrame, PING_FRAME, resetFrame, retryFrame, type HubEvent, type PublishedEvent, type ResetReason } from "./frames";

/**
 * A subscriber this many frames behind (a stalled client whose TCP window is full) is dropped instead of
 * buffering without bound; it reconnects with `Last-Event-ID` and gets the rest from the ring buffer.
 */
const MAX_QUEUED_FRAMES = 256;
/** How long a probe of the open streams (see `open`) waits for their writes to settle. */
const PROBE_MS = 250;

/** What the Worker asks for when it opens a stream for an authenticated user. */
export interface OpenRequest {
  /** `Last-Event-ID` (header or `?last_event_id=`) as the client sent it. */
  lastEventId?: string;
  /** A ticket's id and expiry (epoch ms) when the client authenticated with `?ticket=`: consumed here, once. */
  ticket?: { jti: string; expiresAt: number };
  /** The Worker's clock (epoch ms), which tests pin; ticket bookkeeping uses it. */
  now: number;
}

export type OpenOutcome =
  | { outcome: "open"; stream: ReadableStream<Uint8Array>; replayed: number; reset: ResetReason | null }
  | { outcome: "busy"; retryAfterSeconds: number }
  | { outcome: "ticket_used" };

export interface HubStats {
  connections: number;
  lastEventId: number;
  kept: number;
}

/** Test-only behaviour (ENVIRONMENT=test): a short heartbeat, and a publish that fails or is slow. */
export interface HubTestKnobs {
  heartbeatMs?: number;
  publishFault?: "fail" | "slow" | null;
}

interface Subscriber {
  writer: WritableStreamDefaultWriter<Uint8Array>;
}

/** The hub's own variables (not `Bindings`: src/env.ts names this class, a type cycle otherwise). */
interface HubEnv {
  ENVIRONMENT?: string;
}

/**
 * UserHub – one per user (`idFromName(userId)`): the real-time stream of docs/reminders-notifications-realtime.md.
 *
 * - **Subscribers** are the open `GET /events/stream` responses: each is the readable side of a
 *   TransformStream returned over RPC to the Worker, which answers it to the client. A client that goes away
 *   is noticed when a write to its stream fails (`writer.closed` rejects); see `probe` for the full hub.
 * - **Heartbeat** by alarm, not `setInterval`: every HEARTBEAT_MS while a stream is open the alarm pings every
 *   stream and re-arms itself. An alarm is an incoming event, so it also keeps the object from being evicted
 *   as idle (70–140 s without requests or events) while its streams are open – whether or not the platform
 *   counts a stream handed out over RPC as an ongoing request. With the last stream gone the next alarm does
 *   not re-arm, and an idle hub can be evicted.
 * - **Events** get ids from a per-user counter and are kept, the last BUFFER_SIZE of them, in the object's
 *   SQLite storage (`events`, `hub_state`): both survive eviction, so ids stay monotonic and a client can resume
 *   after the hub restarted.
 * - **Tickets** (`?ticket=`) are verified by the Worker (signature, expiry, user); the hub only records their
 *   ids once used (`used_tickets`, kept until they expire), which is what makes them single use.
 *
 * Every storage call here is synchronous SQLite and every check-and-change (ticket unused → spent, below the
 * cap → subscribed, counter → next ids) runs between two awaits, so concurrent opens and publishes of one
 * user never interleave inside one.
 */
export class UserHub extends DurableObject<HubEnv> {
  private readonly subscribers = new Set<Subscriber>();
  /** Whether this instance armed the heartbeat alarm (an alarm left by an evicted instance finds no streams and stops). */
  private heartbeatArmed = false;
  private knobs: HubTestKnobs = {};

  constructor(ctx: DurableObjectState, env: HubEnv) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec("create table if not exists events (id integer primary key, type text not null, data text not null)");
    sql.exec("create table if not exists hub_state (key text primary key, value integer not null)");
    sql.exec("create table if not exists used_tickets (jti text primary key, expires_at integer not null)");
  }

  /** Opens a stream: consumes the ticket (if any), enforces the connection cap, replays after `lastEventId`. */
  async open(request: OpenRequest): Promise<OpenOutcome> {
    const sql = this.ctx.storage.sql;
    if (request.ticket !== undefined && this.ticketUsed(request.ticket.jti)) return { outcome: "ticket_used" };
    // A client that went away is noticed at the next write to its stream (the cancellation does not reach this
    // side before that): when the cap is reached, probe every stream with a ping first, so a closed tab's
    // slot is free at once rather than at the next heartbeat.
    if (this.subscribers.size >= MAX_CONNECTIONS) await this.probe();
    // The cap is checked before the ticket is spent: a refused client may retry with the same ticket.
    if (this.subscribers.size >= MAX_CONNECTIONS) return { outcome: "busy", retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS };
    if (request.ticket !== undefined && this.ticketUsed(request.ticket.jti)) return { outcome: "ticket_used" };
    if (request.ticket !== undefined) {
      sql.exec("delete from used_tickets where expires_at < ?", request.now);
      sql.exec("insert into used_tickets (jti, expires_at) values (?, ?)", request.ticket.jti, request.ticket.expiresAt);
    }

    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const subscriber: Subscriber = { writer: writable.getWriter() };
    this.subscribers.add(subscriber);
    subscriber.writer.closed.catch(() => this.drop(subscriber));
    void this.send(subscriber, retryFrame(RETRY_MS));
    const replay = this.replay(request.lastEventId);
    if (replay.reset !== null) void this.send(subscriber, resetFrame(replay.reset, replay.events.length, replay.events[0]?.id ?? null));
    for (const event of replay.events) void this.send(subscriber, eventFrame(event));
    await this.startHeartbeat();
    return { outcome: "open", stream: readable, replayed: replay.events.length, reset: replay.reset };
  }

  /**
   * The events of one write, in order: numbered, kept (the ring buffer trimmed to BUFFER_SIZE) and sent to
   * every open stream. Returns the ids given. One call per write (services/realtime/publish.ts).
   */
  async publish(events: PublishedEvent[]): Promise<number[]> {
    if (this.knobs.publishFault === "fail") throw new Error(`publish refused (test knob) by hub ${this.ctx.id.toString()}`);
    if (this.knobs.publishFault === "slow") await new Promise((resolve) => setTimeout(resolve, 3_000));
    if (events.length === 0) return [];
    const sql = this.ctx.storage.sql;
    let last = this.lastId();
    const kept: HubEvent[] = [];
    for (const event of events) {
      last += 1;
      const stored: HubEvent = { id: last, type: event.type, data: JSON.stringify(event.data) };
      sql.exec("insert into events (id, type, data) values (?, ?, ?)", stored.id, stored.type, stored.data);
      kept.push(stored);
    }
    sql.exec("insert into hub_state (key, value) values ('last_id', ?) on conflict (key) do update set value = excluded.value", last);
    sql.exec("delete from events where id <= ?", last - BUFFER_SIZE);
    for (const subscriber of this.subscribers) {
      for (const event of kept) void this.send(subscriber, eventFrame(event));
    }
    return kept.map((event) => event.id);
  }

  /** The binding check of test/suites/platform/durable-objects.test.ts. */
  async ping(name: string): Promise<{ name: string; at: string }> {
    return { name, at: new Date().toISOString() };
  }

  async stats(): Promise<HubStats> {
    const kept = this.ctx.storage.sql.exec<{ n: number }>("select count(*) as n from events").one().n;
    return { connections: this.subscribers.size, lastEventId: this.lastId(), kept };
  }

  /** Test-only knobs; refused outside ENVIRONMENT=test. */
  async configureForTest(knobs: HubTestKnobs): Promise<void> {
    if (this.env.ENVIRONMENT !== "test") throw new Error("test knobs exist only when ENVIRONMENT=test");
    this.knobs = { ...this.knobs, ...knobs };
  }

  /** The heartbeat (see the class comment): pings every open stream, re-armed while any is open. */
  override async alarm(): Promise<void> {
    this.heartbeatArmed = false;
    if (this.subscribers.size === 0) return;
    for (const subscriber of this.subscribers) void this.send(subscriber, PING_FRAME);
    await this.startHeartbeat();
  }

  private ticketUsed(jti: string): boolean {
    return this.ctx.storage.sql.exec("select 1 from used_tickets where jti = ?", jti).toArray().length > 0;
  }

  /**
   * Pings every stream twice and waits (at most PROBE_MS) for the second writes to settle; the failed ones
   * are dropped. Twice because a write to a stream whose reader went away still succeeds (the RPC pump takes
   * it) – it is the pump's failure to pass it on that errors the stream, and so the next write.
   */
  private async probe(): Promise<void> {
    const subscribers = [...this.subscribers];
    for (const subscriber of subscribers) void this.send(subscriber, PING_FRAME);
    const writes = subscribers.map((subscriber) => this.send(subscriber, PING_FRAME));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, PROBE_MS);
    });
    await Promise.race([Promise.allSettled(writes), timeout]);
    if (timer !== undefined) clearTimeout(timer);
  }

  private lastId(): number {
    const rows = this.ctx.storage.sql.exec<{ value: number }>("select value from hub_state where key = 'last_id'").toArray();
    return rows[0]?.value ?? 0;
  }

  /**
   * What a stream opened with `lastEventId` must replay: nothing without one; exactly the kept events after
   * it when it is within the buffer (or the last id); else every kept event after a `reset` – the id is older
   * than the buffer (`buffer_exceeded`) or not one this hub gave (`unknown_id`: malformed, or ahead of the counter).
   */
  private replay(lastEventId: string | undefined): { events: HubEvent[]; reset: ResetReason | null } {
    if (lastEventId === undefined) return { events: [], reset: null };
    const sql = this.ctx.storage.sql;
    const all = () => sql.exec<{ id: number; type: string; data: string }>("select id, type, data from events order by id").toArray();
    const last = this.lastId();
    const seen = /^\d{1,15}$/.test(lastEventId.trim()) ? Number(lastEventId.trim()) : Number.NaN;
    if (Number.isNaN(seen) || seen > last) return { events: all(), reset: "unknown_id" };
    const oldest = sql.exec<{ id: number | null }>("select min(id) as id from events").one().id;
    if (oldest !== null && seen < oldest - 1) return { events: all(), reset: "buffer_exceeded" };
    const after = sql.exec<{ id: number; type: string; data: string }>("select id, type, data from events where id > ? order by id", seen).toArray();
    return { events: after, reset: null };
  }

  /** Queues a frame without waiting for the client; a failed or far-behind subscriber is dropped. */
  private send(subscriber: Subscriber, frame: Uint8Array): Promise<void> {
    const backlog = subscriber.writer.desiredSize;
    if (backlog === null || backlog < -MAX_QUEUED_FRAMES) {
      this.drop(subscriber);
      return Promise.resolve();
    }
    return subscriber.writer.write(frame).catch(() => this.drop(subscriber));
  }

  private drop(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    subscriber.writer.abort("subscriber dropped").catch(() => undefined);
  }

  private async startHeartbeat(): Promise<void> {
    if (this.heartbeatArmed || this.subscribers.size === 0) return;
    this.heartbeatArmed = true;
    const interval = this.env.ENVIRONMENT === "test" && this.knobs.heartbeatMs !== undefined ? this.knobs.heartbeatMs : HEARTBEAT_MS;
    // Real time, not the Worker's (test-pinnable) clock: the alarm fires on the platform's clock.
    await this.ctx.storage.setAlarm(Date.now() + interval);
  }
}
