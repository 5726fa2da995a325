import { randomUUID } from "node:crypto";
import { MAX_CONNECTIONS } from "../../durable-objects/user-hub/policy.ts";
import { openEventStream } from "../event-stream.ts";
import { percentile } from "../percentile.ts";
import type { BenchStack, MeasuredRun } from "../scenario.ts";
import { defineScenario } from "../scenario.ts";
import { seedUsersWithTokens } from "../seed-users.ts";

/**
 * The real-time stream under load (docs/reminders-notifications-realtime.md): 200 open `GET /events/stream`
 * connections – the per-user cap is 3, so 67 users (66 × 3 + 1 × 2) – then writes (`POST /tasks`, two per
 * user, 10 in flight at a time) and, for every write, the time from its response's arrival to the arrival of
 * its `task.created` frame on each of that user's streams. A frame can come in before the write's own
 * response (the publish runs in the write's `waitUntil`, next to the response being sent): such a latency is
 * negative, and kept as measured. Also checked: every frame arrived (none lost, none on another user's
 * stream) and a 4th stream of a user is refused with 429.
 */
const STREAMS = 200;
const WRITES_PER_USER = 2;
const WRITE_CONCURRENCY = 10;
const FRAME_TIMEOUT_MS = 15_000;

interface Arrival {
  at: number;
  userIndex: number;
}

interface StreamClient {
  userIndex: number;
  /** task id → arrival time (performance.now()) of its task.created frame. */
  arrivals: Map<string, number>;
  close(): void;
}

async function openStreamClient(stack: BenchStack, token: string, userIndex: number): Promise<StreamClient> {
  const arrivals = new Map<string, number>();
  // Whose task it is is checked at the end: a frame often arrives before the write's own response.
  const stream = await openEventStream(stack.baseUrl, token, (event) => {
    if (event.type === "task.created" && isRecord(event.data) && typeof event.data.id === "string") arrivals.set(event.data.id, event.at);
  }).catch((error: unknown) => {
    throw new Error(`stream of user ${userIndex}: ${error instanceof Error ? error.message : String(error)}`);
  });
  return { userIndex, arrivals, close: () => stream.close() };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

async function measure(stack: BenchStack, { log }: { log: (line: string) => void }): Promise<MeasuredRun> {
  const userCount = Math.ceil(STREAMS / MAX_CONNECTIONS);
  const users = await seedUsersWithTokens(stack, userCount);
  const taskOwner = new Map<string, number>();

  const openStarted = performance.now();
  const specs = Array.from({ length: STREAMS }, (_, n) => Math.floor(n / MAX_CONNECTIONS));
  const streams = await Promise.all(specs.map((userIndex) => openStreamClient(stack, users[userIndex]?.token ?? "", userIndex)));
  const openMs = performance.now() - openStarted;
  log(`${streams.length} streams open for ${userCount} users in ${(openMs / 1000).toFixed(1)} s`);

  // A 4th stream of a user with 3 open is refused.
  const refused = await fetch(`${stack.baseUrl}/api/v1/events/stream`, { headers: { authorization: `Bearer ${users[0]?.token ?? ""}` } });
  await refused.text();

  // The writes: two per user, WRITE_CONCURRENCY in flight.
  const writes: { taskId: string; userIndex: number; sentAt: number; answeredAt: number }[] = [];
  const queue = users.flatMap((user, userIndex) => Array.from({ length: WRITES_PER_USER }, () => ({ user, userIndex })));
  let failedWrites = 0;
  const writeStarted = performance.now();
  await Promise.all(
    Array.from({ length: WRITE_CONCURRENCY }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        const sentAt = performance.now();
        const response = await fetch(`${stack.baseUrl}/api/v1/tasks`, {
          method: "POST",
          headers: { authorization: `Bearer ${item.user.token}`, "content-type": "application/json", "idempotency-key": randomUUID() },
          body: JSON.stringify({ title: `realtime bench ${item.userIndex}` }),
        });
        const text = await response.text();
        const answeredAt = performance.now();
        if (response.status !== 201) {
          failedWrites += 1;
          log(`write failed: ${response.status} ${text.slice(0, 200)}`);
          continue;
        }
        const taskId = (JSON.parse(text) as { data: { id: string } }).data.id;
        taskOwner.set(taskId, item.userIndex);
        writes.push({ taskId, userIndex: item.userIndex, sentAt, answeredAt });
      }
    }),
  );
  const writeMs = performance.now() - writeStarted;

  // Wait for every expected frame (bounded).
  const expected = writes.reduce((sum, write) => sum + streams.filter((s) => s.userIndex === write.userIndex).length, 0);
  const received = () => streams.reduce((sum, s) => sum + [...s.arrivals.keys()].filter((id) => taskOwner.get(id) === s.userIndex).length, 0);
  const deadline = performance.now() + FRAME_TIMEOUT_MS;
  while (received() < expected && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

  const fromResponse: number[] = [];
  const fromRequest: number[] = [];
  const arrivals: Arrival[] = [];
  for (const write of writes) {
    for (const s of streams.filter((candidate) => candidate.userIndex === write.userIndex)) {
      const at = s.arrivals.get(write.taskId);
      if (at === undefined) continue;
      arrivals.push({ at, userIndex: write.userIndex });
      fromResponse.push(at - write.answeredAt);
      fromRequest.push(at - write.sentAt);
    }
  }
  for (const s of streams) s.close();
  fromResponse.sort((a, b) => a - b);
  fromRequest.sort((a, b) => a - b);
  const foreign = streams.reduce((sum, s) => sum + [...s.arrivals.keys()].filter((id) => taskOwner.get(id) !== s.userIndex).length, 0);
  const round = (value: number) => Math.round(value * 10) / 10;
  const figures = {
    streams: streams.length,
    users: userCount,
    streams_open_s: round(openMs / 1000),
    fourth_stream_status: refused.status,
    writes: writes.length,
    failed_writes: failedWrites,
    writes_s: round(writeMs / 1000),
    frames_expected: expected,
    frames_received: arrivals.length,
    frames_on_foreign_streams: foreign,
    after_response_ms: { p50: round(percentile(fromResponse, 50)), p95: round(percentile(fromResponse, 95)), max: round(fromResponse.at(-1) ?? Number.NaN), min: round(fromResponse[0] ?? Number.NaN) },
    after_request_sent_ms: { p50: round(percentile(fromRequest, 50)), p95: round(percentile(fromRequest, 95)), max: round(fromRequest.at(-1) ?? Number.NaN) },
  };
  const report = [
    `realtime: ${figures.streams} streams over ${figures.users} users (opened in ${figures.streams_open_s} s); 4th stream of a user → ${figures.fourth_stream_status}`,
    `writes: ${figures.writes} POST /tasks (${failedWrites} failed) in ${figures.writes_s} s, ${WRITE_CONCURRENCY} in flight`,
    `frames: ${figures.frames_received}/${figures.frames_expected} received, ${foreign} on another user's stream`,
    `publish → frame, from the write's response: p50 ${figures.after_response_ms.p50} ms · p95 ${figures.after_response_ms.p95} ms · max ${figures.after_response_ms.max} ms (min ${figures.after_response_ms.min} ms)`,
    `publish → frame, from the write's request:  p50 ${figures.after_request_sent_ms.p50} ms · p95 ${figures.after_request_sent_ms.p95} ms · max ${figures.after_request_sent_ms.max} ms`,
  ].join("\n");
  const clean = failedWrites === 0 && arrivals.length === expected && foreign === 0 && refused.status === 429;
  return { report, figures, clean };
}

export default defineScenario({
  name: "realtime",
  description: "200 SSE streams (67 users × ≤ 3), POST /tasks → task.created frame latency p50/p95/max",
  defaults: { durationSeconds: 60, connections: STREAMS, warmupSeconds: 0 },
  vars: { RATE_LIMIT_GENERAL: "100000" },
  measure,
});
