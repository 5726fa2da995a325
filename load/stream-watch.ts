import pg from "pg";
import { openEventStream, type EventStreamClient, type StreamEvent } from "./event-stream.ts";
import type { BenchStack, RunCheck } from "./scenario.ts";

/**
 * Real-time streams held open next to an HTTP load (docs/reminders-notifications-realtime.md): `perUser`
 * `GET /events/stream` for each watched user (the cap is 3). The load reports the task changes of its
 * answers (`expect`); after the run, `check` waits (bounded) until each of them arrived on every stream of
 * its user and asks the database whose task or notification every received frame names: a frame on another
 * user's stream is a failure, as is a missing frame or a stream that ended before the run did.
 */
interface WatchedStream {
  userId: string;
  received: StreamEvent[];
  /** `type id` of every event received. */
  seen: Set<string>;
  client: EventStreamClient;
}

const FRAME_TIMEOUT_MS = 20_000;

export class StreamWatch {
  private readonly expected = new Map<string, Set<string>>();

  private constructor(private readonly streams: WatchedStream[]) {
    for (const stream of streams) this.expected.set(stream.userId, new Set());
  }

  static async open(stack: BenchStack, users: readonly { userId: string; token: string }[], perUser: number): Promise<StreamWatch> {
    const specs = users.flatMap((user) => Array.from({ length: perUser }, () => user));
    const streams = await Promise.all(
      specs.map(async (user) => {
        const stream: Omit<WatchedStream, "client"> = { userId: user.userId, received: [], seen: new Set() };
        const client = await openEventStream(stack.baseUrl, user.token, (event) => {
          stream.received.push(event);
          stream.seen.add(`${event.type} ${idOf(event.data) ?? ""}`);
        });
        return { ...stream, client };
      }),
    );
    return new StreamWatch(streams);
  }

  /** A write of `userId` changed task `taskId`: its `type` frame must reach the user's streams (if watched). */
  expect(userId: string, type: string, taskId: string): void {
    this.expected.get(userId)?.add(`${type} ${taskId}`);
  }

  close(): void {
    for (const stream of this.streams) stream.client.close();
  }

  async check(stack: BenchStack): Promise<RunCheck> {
    const missing = () => this.streams.flatMap((stream) => [...(this.expected.get(stream.userId) ?? [])].filter((key) => !stream.seen.has(key)));
    const deadline = performance.now() + FRAME_TIMEOUT_MS;
    while (missing().length > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const stillMissing = missing();
    const ended = this.streams.filter((stream) => !stream.client.isOpen()).length;

    const ids = [...new Set(this.streams.flatMap((stream) => stream.received.map((event) => idOf(event.data) ?? "")))].filter((id) => id !== "");
    const owners = await ownersOf(stack, ids);
    let foreign = 0;
    const unattributed: Record<string, number> = {};
    const byType: Record<string, number> = {};
    const foreignExamples: string[] = [];
    const unattributedExamples: string[] = [];
    for (const stream of this.streams) {
      for (const event of stream.received) {
        byType[event.type] = (byType[event.type] ?? 0) + 1;
        const owner = owners.get(idOf(event.data) ?? "");
        if (owner === undefined) {
          unattributed[event.type] = (unattributed[event.type] ?? 0) + 1;
          if (unattributedExamples.length < 3) unattributedExamples.push(`${event.type} ${JSON.stringify(event.data).slice(0, 300)}`);
        }
        else if (owner !== stream.userId) {
          foreign += 1;
          if (foreignExamples.length < 5) foreignExamples.push(`${event.type} of user ${owner} on a stream of user ${stream.userId}`);
        }
      }
    }
    const expectedFrames = this.streams.reduce((sum, stream) => sum + (this.expected.get(stream.userId)?.size ?? 0), 0);
    const received = Object.values(byType).reduce((sum, count) => sum + count, 0);
    const list = (counts: Record<string, number>) => Object.entries(counts).map(([type, count]) => `${type} ${count}`).join(", ") || "none";
    const figures = {
      streams: this.streams.length,
      users: this.expected.size,
      framesExpected: expectedFrames,
      framesMissing: stillMissing.length,
      framesReceived: received,
      receivedByType: byType,
      onForeignStreams: foreign,
      unattributed,
      endedEarly: ended,
    };
    return {
      name: "SSE streams",
      ok: stillMissing.length === 0 && foreign === 0 && ended === 0,
      lines: [
        `${figures.streams} streams of ${figures.users} users open through the run (${ended} ended early)`,
        `frames of the users' own task writes: ${expectedFrames - stillMissing.length}/${expectedFrames} arrived` +
          (stillMissing.length > 0 ? ` – missing e.g. ${stillMissing.slice(0, 3).join("; ")}` : ""),
        `frames received: ${received} (${list(byType)}); on another user's stream: ${foreign}; owner not found: ${list(unattributed)}`,
        ...foreignExamples.map((example) => `  ${example}`),
        ...unattributedExamples.map((example) => `  owner not found: ${example}`),
      ],
      figures,
    };
  }
}

function idOf(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null || !("id" in data)) return undefined;
  return typeof data.id === "string" ? data.id : undefined;
}

/** Whose task or notification each id is (frames carry the task or the notification as `data`). */
async function ownersOf(stack: BenchStack, ids: readonly string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  if (ids.length === 0) return owners;
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; user_id: string }>(
      `select id::text, user_id::text from task_instances where id::text = any($1::text[])
       union all select id::text, user_id::text from notifications where id::text = any($1::text[])`,
      [ids],
    );
    for (const row of rows) owners.set(row.id, row.user_id);
  } finally {
    await client.end();
  }
  return owners;
}
