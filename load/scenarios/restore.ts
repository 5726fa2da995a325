import { randomUUID } from "node:crypto";
import pg from "pg";
import { mapConcurrently } from "../map-concurrently.ts";
import { percentile } from "../percentile.ts";
import type { BenchStack, MeasuredRun } from "../scenario.ts";
import { defineScenario } from "../scenario.ts";
import { seedUsersWithTokens } from "../seed-users.ts";
import { totalRoundTrips } from "../stack.ts";

/**
 * Task recovery (docs/recovery-and-activity.md; SLO SC-010: a restore finishes in < 30 s). Every user gets
 * TASKS_PER_USER tasks (the 3 tombstones a user keeps), each with SUBTASKS subtasks (one completed), NOTES notes,
 * a pending reminder a day ahead and a tag – seeded as rows – and deletes them through `DELETE /tasks/{id}`, so
 * every tombstone is the API's own snapshot. Then `POST /recovery/{tombstone_id}/restore`: first the tombstones
 * of SEQUENTIAL_USERS users one at a time (one connection), then those of the other users with CONCURRENCY
 * restores in flight (consecutive restores are of different users, as many users restoring would be). Each
 * restore is timed from the request to its complete answer; afterwards every task must be back whole – the same
 * subtask, note and reminder ids as before the delete, its tag, its counters, the tombstone marked restored.
 */
const TASKS_PER_USER = 3;
const SUBTASKS = 3;
const NOTES = 2;
const SEQUENTIAL_USERS = 10;
const CONCURRENT_USERS = 60;
const CONCURRENCY = 20;
const SLO_MS = 30_000;

interface Tombstone {
  tombstoneId: string;
  taskId: string;
  token: string;
}

interface Restore {
  taskId: string;
  status: number;
  ms: number;
  /** What the answer's task says about itself (checked against the seeded rows). */
  answer: { subtasks: number; reminders: number; tags: readonly string[] } | null;
  error?: string;
}

interface Phase {
  label: string;
  concurrency: number;
  restores: Restore[];
  wallMs: number;
  roundTrips: number;
}

/** One row per task: its child ids, in a form that compares as a string. */
const CHILDREN_SQL = `
  select t.id,
    t.subtask_count || '/' || t.subtasks_completed as counters,
    coalesce((select string_agg(s.id::text, ',' order by s.id) from subtasks s where s.task_id = t.id), '') as subtasks,
    coalesce((select string_agg(n.id::text, ',' order by n.id) from notes n where n.task_id = t.id), '') as notes,
    coalesce((select string_agg(r.id || ':' || r.status, ',' order by r.id) from reminders r where r.task_id = t.id), '') as reminders,
    coalesce((select string_agg(g.name, ',' order by g.name) from task_tags tt join tags g on g.id = tt.tag_id where tt.task_id = t.id), '') as tags
  from task_instances t where t.id = any($1::uuid[])`;

interface ChildrenRow {
  id: string;
  counters: string;
  subtasks: string;
  notes: string;
  reminders: string;
  tags: string;
}

async function seedTasks(client: pg.Client, userIds: string[]): Promise<{ id: string; user_id: string }[]> {
  const { rows } = await client.query<{ id: string; user_id: string }>(
    `with t as (
       insert into task_instances (user_id, title, description, due_date, subtask_count, subtasks_completed)
       select u, 'Restore me ' || k, 'A task with subtasks, notes, a reminder and a tag', now() + interval '2 days', $3::int, 1
       from unnest($1::uuid[]) u, generate_series(1, $2::int) k
       returning id, user_id),
     s as (insert into subtasks (task_id, user_id, title, completed, completed_at, position)
           select t.id, t.user_id, 'Step ' || p, p = 1, case when p = 1 then now() end, p - 1 from t, generate_series(1, $3::int) p),
     n as (insert into notes (user_id, task_id, content) select t.user_id, t.id, 'Note ' || q || ' on the task' from t, generate_series(1, $4::int) q),
     r as (insert into reminders (user_id, task_id, kind, remind_at, channel)
           select t.user_id, t.id, 'absolute', now() + interval '1 day', 'in_app' from t),
     g as (insert into tags (user_id, name) select u, 'restore-bench' from unnest($1::uuid[]) u returning id, user_id),
     tt as (insert into task_tags (task_id, tag_id, user_id) select t.id, g.id, t.user_id from t join g using (user_id))
     select id, user_id from t`,
    [userIds, TASKS_PER_USER, SUBTASKS, NOTES],
  );
  return rows;
}

async function children(client: pg.Client, taskIds: string[]): Promise<Map<string, ChildrenRow>> {
  const { rows } = await client.query<ChildrenRow>(CHILDREN_SQL, [taskIds]);
  return new Map(rows.map((row) => [row.id, row]));
}

async function deleteTask(stack: BenchStack, token: string, taskId: string): Promise<Tombstone> {
  const response = await fetch(`${stack.baseUrl}/api/v1/tasks/${taskId}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`DELETE /tasks/${taskId}: ${response.status} ${text.slice(0, 200)}`);
  const body = JSON.parse(text) as { data: { tombstone_id: string; entity_id: string } };
  return { tombstoneId: body.data.tombstone_id, taskId: body.data.entity_id, token };
}

async function restore(stack: BenchStack, tombstone: Tombstone): Promise<Restore> {
  const started = performance.now();
  const response = await fetch(`${stack.baseUrl}/api/v1/recovery/${tombstone.tombstoneId}/restore`, {
    method: "POST",
    headers: { authorization: `Bearer ${tombstone.token}`, "idempotency-key": randomUUID() },
  });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) return { taskId: tombstone.taskId, status: response.status, ms, answer: null, error: text.slice(0, 200) };
  const body = JSON.parse(text) as { data: { entity_id: string; task?: { id: string; subtasks: unknown[]; reminders: unknown[]; tags: string[] } } };
  const task = body.data.task;
  if (task?.id !== tombstone.taskId) return { taskId: tombstone.taskId, status: response.status, ms, answer: null, error: `answered task ${String(task?.id)}` };
  return { taskId: tombstone.taskId, status: response.status, ms, answer: { subtasks: task.subtasks.length, reminders: task.reminders.length, tags: task.tags } };
}

async function runPhase(stack: BenchStack, label: string, tombstones: Tombstone[], concurrency: number): Promise<Phase> {
  const before = await totalRoundTrips(stack.neonOrigin);
  const started = performance.now();
  const restores = await mapConcurrently(tombstones, concurrency, (tombstone) => restore(stack, tombstone));
  const wallMs = performance.now() - started;
  // The reminders handler's after-commit queue send and the real-time publish run in waitUntil: let them land.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return { label, concurrency, restores, wallMs, roundTrips: (await totalRoundTrips(stack.neonOrigin)) - before };
}

async function measure(stack: BenchStack, { log }: { log: (line: string) => void }): Promise<MeasuredRun> {
  const users = await seedUsersWithTokens(stack, SEQUENTIAL_USERS + CONCURRENT_USERS);
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    const tasks = await seedTasks(client, users.map((user) => user.userId));
    const taskIds = tasks.map((task) => task.id);
    const seeded = await children(client, taskIds);
    const tokens = new Map(users.map((user) => [user.userId, user.token]));
    log(`seeded ${tasks.length} tasks (${SUBTASKS} subtasks, ${NOTES} notes, 1 reminder, 1 tag each) for ${users.length} users; deleting them through the API…`);
    const tombstones = await mapConcurrently(tasks, 10, (task) => deleteTask(stack, tokens.get(task.user_id) ?? "", task.id));
    const { rows: left } = await client.query<{ n: string }>("select count(*) as n from task_instances where id = any($1::uuid[])", [taskIds]);
    log(`${tombstones.length} tombstones; ${left[0]?.n ?? "?"} of the tasks still present (must be 0)`);

    // Users 1…SEQUENTIAL_USERS one restore at a time; the others interleaved (task k of every user, then k + 1 …).
    const byTask = new Map(tombstones.map((tombstone) => [tombstone.taskId, tombstone]));
    const ofUser = (userId: string) => tasks.filter((task) => task.user_id === userId).flatMap((task) => byTask.get(task.id) ?? []);
    const sequential = users.slice(0, SEQUENTIAL_USERS).flatMap((user) => ofUser(user.userId));
    const perUser = users.slice(SEQUENTIAL_USERS).map((user) => ofUser(user.userId));
    const interleaved = Array.from({ length: TASKS_PER_USER }, (_, k) => perUser.flatMap((list) => list[k] ?? []));
    log(`restoring ${sequential.length} one at a time…`);
    const one = await runPhase(stack, "1 connection", sequential, 1);
    log(`restoring ${interleaved.flat().length} with ${CONCURRENCY} in flight…`);
    const many = await runPhase(stack, `${CONCURRENCY} in flight`, interleaved.flat(), CONCURRENCY);

    // Whole again: the same child ids as before the delete (reminders still pending), tag and counters.
    const restored = await children(client, taskIds);
    const incomplete = taskIds.filter((id) => {
      const now = restored.get(id);
      const then = seeded.get(id);
      return now === undefined || then === undefined || JSON.stringify(now) !== JSON.stringify(then);
    });
    const badAnswers = [...one.restores, ...many.restores].filter(
      (r) => r.answer !== null && (r.answer.subtasks !== SUBTASKS || r.answer.reminders !== 1 || !r.answer.tags.includes("restore-bench")),
    );
    const { rows: marked } = await client.query<{ n: string }>(
      "select count(*) as n from deletion_tombstones where entity_id = any($1::uuid[]) and restored_at is not null",
      [taskIds],
    );

    const summarise = (phase: Phase) => {
      const ms = phase.restores.filter((r) => r.status === 200).map((r) => r.ms).sort((a, b) => a - b);
      return {
        phase: phase.label,
        restores: phase.restores.length,
        errors: phase.restores.filter((r) => r.status !== 200).length,
        restores_per_s: Math.round((phase.restores.length / (phase.wallMs / 1000)) * 10) / 10,
        latency_ms: { p50: Math.round(percentile(ms, 50)), p95: Math.round(percentile(ms, 95)), max: Math.round(ms.at(-1) ?? Number.NaN) },
        round_trips_per_restore: Math.round((phase.roundTrips / Math.max(1, phase.restores.length)) * 100) / 100,
      };
    };
    const phases = [summarise(one), summarise(many)];
    const errors = [...one.restores, ...many.restores].filter((r) => r.status !== 200);
    const figures = {
      slo_ms: SLO_MS,
      tasks: taskIds.length,
      phases,
      restored_whole: taskIds.length - incomplete.length,
      incomplete: incomplete.length,
      bad_answers: badAnswers.length,
      tombstones_marked_restored: Number(marked[0]?.n ?? 0),
    };
    const worst = Math.max(...phases.map((phase) => phase.latency_ms.max));
    const report = [
      `restore: ${taskIds.length} deleted tasks (${SUBTASKS} subtasks, ${NOTES} notes, 1 reminder, 1 tag each) of ${users.length} users; SLO ${SLO_MS / 1000} s`,
      "",
      "| phase | restores | errors | restores/s | p50 ms | p95 ms | max ms | round trips / restore |",
      "|---|---|---|---|---|---|---|---|",
      ...phases.map((p) => `| ${p.phase} | ${p.restores} | ${p.errors} | ${p.restores_per_s} | ${p.latency_ms.p50} | ${p.latency_ms.p95} | ${p.latency_ms.max} | ${p.round_trips_per_restore} |`),
      "",
      `back whole (same subtask, note and reminder ids, tag, counters): ${figures.restored_whole}/${taskIds.length}; answers not matching: ${badAnswers.length}; tombstones marked restored: ${figures.tombstones_marked_restored}`,
      ...errors.slice(0, 5).map((r) => `  ${r.status} ${r.error ?? ""}`),
      ...incomplete.slice(0, 5).map((id) => `  not whole: ${id} ${JSON.stringify(restored.get(id) ?? null)} (was ${JSON.stringify(seeded.get(id) ?? null)})`),
    ].join("\n");
    const clean = errors.length === 0 && incomplete.length === 0 && badAnswers.length === 0 && figures.tombstones_marked_restored === taskIds.length && worst < SLO_MS;
    return { report, figures, clean };
  } finally {
    await client.end();
  }
}

export default defineScenario({
  name: "restore",
  description: `POST /recovery/{id}/restore of deleted tasks with subtasks, notes, a reminder and a tag: 1 and ${CONCURRENCY} in flight, against the 30 s SLO`,
  defaults: { durationSeconds: 240, connections: CONCURRENCY, warmupSeconds: 0 },
  vars: { RATE_LIMIT_GENERAL: "100000" },
  measure,
});
