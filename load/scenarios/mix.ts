import { randomUUID } from "node:crypto";
import type autocannon from "autocannon";
import pg from "pg";
import { OPENAI_TEST_KEY, startOpenAIFake } from "../../test/fakes/node/openai.ts";
import { checkMetricLabels } from "../metrics-labels.ts";
import { serviceLevelCheck } from "../service-levels.ts";
import type { BenchStack, RunCheck } from "../scenario.ts";
import { defineScenario } from "../scenario.ts";
import { benchAccessToken, grantCredits } from "../seed-users.ts";
import { StreamWatch } from "../stream-watch.ts";

/**
 * The full product mix of issue 16 as 1000 concurrent users, one seeded Pro user per connection (rate limits
 * lifted, 1000 credits each, so no limit answers): a ring of 13 operations – tasks (create, get, list, PATCH
 * with the version it saw, complete, completed list), subtasks (create, complete), notes (create on the task,
 * the task's list), a reminder on the task, `POST /ai/chat` against the OpenAI fake (in this process, as
 * ai-chat.ts), and at most TEMPLATES_PER_USER recurring templates per user (then `GET /templates`). Each user
 * starts the ring at its own step (user index mod 13): with 1000 connections each completes only a few
 * requests in a run, and every operation must still be exercised. Every user is seeded with an open task with
 * a due date, so every step has what it needs from the first request on.
 *
 * Next to the load, STREAM_USERS users hold STREAMS_PER_USER `GET /events/stream` each for the whole run
 * (stream-watch.ts): every write of theirs that changed a task must show up on each of their streams, and no
 * frame may reach another user's stream. After the run, load/metrics-labels.ts checks every label of
 * `GET /metrics`. Every answer is expected to be 2xx: the scenario lists no expected statuses.
 */
const USERS = 1000;
const STREAM_USERS = 100;
const STREAMS_PER_USER = 2;
const TEMPLATES_PER_USER = 3;
const CREDITS = 1000;
const MATCH = `bench-mix-${randomUUID()}`;

// The fake runs in this process; its address goes into the Worker's variables before the stack starts.
const fake = await startOpenAIFake();

/** A seeded user and what the connection currently holding it knows of its data. */
interface MixUser {
  index: number;
  userId: string;
  token: string;
  /** Where the user starts the ring. */
  offset: number;
  taskId: string;
  taskVersion: number;
  subtask?: { id: string; version: number };
  templates: number;
  edits: number;
  /** Taken back from a connection that did not finish its cycle: versions may be stale (see `lease`). */
  uncertain: boolean;
  lastActive: number;
}

interface Connection {
  user?: MixUser;
  step?: Step;
}

interface Step {
  build(user: MixUser): { method: "GET" | "POST" | "PATCH"; path: string; body?: unknown };
  after?(status: number, body: string, user: MixUser): void;
}

async function seed(stack: BenchStack): Promise<MixUser[]> {
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    const prefix = randomUUID().slice(0, 8);
    const { rows } = await client.query<{ user_id: string; task_id: string }>(
      `with u as (
         insert into users (google_sub, email, name, tier)
         select $2 || '-' || n, $2 || '-' || n || '@example.test', 'Mix ' || n, 'pro' from generate_series(1, $1::int) n
         returning id)
       insert into task_instances (user_id, title, description, due_date)
       select id, 'Quarterly report', 'Write the report for the board', now() + interval '7 days' from u
       returning user_id, id as task_id`,
      [USERS, `bench-mix-${prefix}`],
    );
    const users = await Promise.all(
      rows.map(async (row, index) => ({
        index,
        userId: row.user_id,
        token: await benchAccessToken(stack, row.user_id, "pro"),
        offset: index % STEPS.length,
        taskId: row.task_id,
        taskVersion: 1,
        templates: 0,
        edits: 0,
        uncertain: false,
        lastActive: 0,
      })),
    );
    await grantCredits(stack, users.map((user) => user.userId), CREDITS);
    return users;
  } finally {
    await client.end();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `data` of a JSON answer (`{data: …}`), or undefined. */
function dataOf(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) && isRecord(parsed.data) ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function versioned(value: unknown): { id: string; version: number } | undefined {
  if (!isRecord(value)) return undefined;
  const { id, version } = value;
  return typeof id === "string" && typeof version === "number" ? { id, version } : undefined;
}

const inOneDay = () => new Date(Date.now() + 86_400_000).toISOString();

/** Set by setup: where task writes are reported (for the stream check) and chat outcomes counted. */
let watch: StreamWatch | undefined;
const chats = { done: 0, failed: 0, failures: [] as string[] };

/**
 * A task answer: remember the task and its version; a write that changed it (`type`) is an event the user's
 * streams must carry, so it goes to the watch. A read (`type` undefined) only refreshes the version.
 */
function taskAnswer(type?: "task.created" | "task.updated" | "task.completed") {
  return (status: number, body: string, user: MixUser) => {
    const data = dataOf(body);
    const task = versioned(data?.task ?? data);
    if (status >= 300 || task === undefined) return;
    const changed = type === "task.created" || task.version > user.taskVersion;
    user.taskId = task.id;
    user.taskVersion = task.version;
    if (type === "task.created") user.subtask = undefined;
    if (type !== undefined && changed) watch?.expect(user.userId, type, task.id);
  };
}

const STEPS: Step[] = [
  {
    build: () => ({ method: "POST", path: "/api/v1/tasks", body: { title: "Mix task", description: "bench", tags: ["bench"], due_date: new Date(Date.now() + 7 * 86_400_000).toISOString() } }),
    after: taskAnswer("task.created"),
  },
  { build: (user) => ({ method: "GET", path: `/api/v1/tasks/${user.taskId}` }), after: taskAnswer() },
  { build: () => ({ method: "GET", path: "/api/v1/tasks?limit=20" }) },
  {
    // A user taken over from an unfinished cycle reads its task first instead: its version may have moved.
    build: (user) =>
      user.uncertain
        ? { method: "GET", path: `/api/v1/tasks/${user.taskId}` }
        : { method: "PATCH", path: `/api/v1/tasks/${user.taskId}`, body: { title: `Mix task (edit ${(user.edits += 1)})`, version: user.taskVersion } },
    after: (status, body, user) => {
      taskAnswer(user.uncertain ? undefined : "task.updated")(status, body, user);
      if (status < 300) user.uncertain = false;
    },
  },
  {
    build: (user) => ({ method: "POST", path: `/api/v1/tasks/${user.taskId}/subtasks`, body: { title: "Collect the numbers" } }),
    after: (status, body, user) => {
      const subtask = versioned(dataOf(body));
      if (status < 300 && subtask !== undefined) user.subtask = subtask;
    },
  },
  {
    // Ticking the task's only open subtask also completes the task (docs/tasks.md#subtasks): its version moves.
    build: (user) =>
      user.subtask === undefined || user.uncertain
        ? { method: "POST", path: `/api/v1/tasks/${user.taskId}/subtasks`, body: { title: "Check the totals" } }
        : { method: "PATCH", path: `/api/v1/subtasks/${user.subtask.id}`, body: { completed: true, version: user.subtask.version } },
    after: (status, body, user) => {
      const data = dataOf(body);
      const subtask = versioned(data?.subtask ?? data);
      if (status >= 300 || subtask === undefined) return;
      user.subtask = subtask;
      const task = versioned(data?.task);
      if (task !== undefined && task.id === user.taskId) user.taskVersion = Math.max(user.taskVersion, task.version);
    },
  },
  { build: (user) => ({ method: "POST", path: "/api/v1/notes", body: { content: "Call the printer about the invoice.", task_id: user.taskId } }) },
  { build: (user) => ({ method: "GET", path: `/api/v1/tasks/${user.taskId}/notes?limit=20` }) },
  { build: (user) => ({ method: "POST", path: `/api/v1/tasks/${user.taskId}/reminders`, body: { remind_at: inOneDay(), channel: "in_app" } }) },
  {
    build: (user) => ({ method: "POST", path: "/api/v1/ai/chat", body: { message: `${MATCH} plan my week (user ${user.index})` } }),
    after: (status, body) => {
      if (status < 300 && body.includes("event: done") && !body.includes("event: error")) chats.done += 1;
      else if (status < 300) {
        chats.failed += 1;
        if (chats.failures.length < 5) chats.failures.push(body.slice(-300));
      }
    },
  },
  // No version: completing a task its last subtask already completed answers it as it is.
  { build: (user) => ({ method: "POST", path: `/api/v1/tasks/${user.taskId}/complete`, body: {} }), after: taskAnswer("task.completed") },
  { build: () => ({ method: "GET", path: "/api/v1/tasks?completed=true&limit=10" }) },
  {
    build: (user) =>
      user.templates < TEMPLATES_PER_USER
        ? { method: "POST", path: "/api/v1/templates", body: { title: "Weekly review", rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", timezone: "Europe/Berlin", starts_at: inOneDay() } }
        : { method: "GET", path: "/api/v1/templates?limit=20" },
    after: (status, _body, user) => {
      if (status === 201) user.templates += 1;
    },
  },
];

export default defineScenario({
  name: "mix",
  description: `the product mix (tasks, subtasks, notes, templates, reminders, AI chat, ${STREAM_USERS * STREAMS_PER_USER} SSE streams), one Pro user per connection`,
  // No warm-up by default: a warm-up's connections leave their last requests running on the server, so the
  // measured run's users would start with versions those writes are about to move (see `lease`).
  defaults: { durationSeconds: 90, connections: USERS, warmupSeconds: 0, checkSeconds: 120 },
  vars: {
    RATE_LIMIT_GENERAL: "1000000",
    RATE_LIMIT_AI: "1000000",
    OPENAI_API_KEY: OPENAI_TEST_KEY,
    OPENAI_BASE_URL: `${fake.origin}/v1`,
    // A round trip's deadline (10 s by default) is counted from the Worker's fetch: with 1000 requests in one
    // `wrangler dev` isolate on 2 shared vCPUs the round trips queue for tens of seconds (503s at 10 s and, on a
    // busy machine, at 60 s – load/README.md "mix"), so the deadline is the longest the Worker allows (120 s, as
    // autocannon's timeout): the run measures the queue instead of failing in it.
    DATABASE_TIMEOUT_MS: "120000",
    // The same for the model call (30 s by default): the fake answers in < 1 s, the rest is the isolate's queue.
    AI_TIMEOUT_SECONDS: "120",
  },
  async setup(stack) {
    const users = await seed(stack);
    const response = await fetch(`${fake.origin}/_control/scripts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ match: MATCH, turns: [{ text: Array.from({ length: 8 }, (_, n) => `part ${n + 1} `), first_token_delay_ms: 400, chunk_delay_ms: 50 }] }),
    });
    if (!response.ok) throw new Error(`OpenAI fake scripts: ${response.status} ${await response.text()}`);
    watch = await StreamWatch.open(stack, users.slice(0, STREAM_USERS), STREAMS_PER_USER);

    // One user per connection: a connection takes a user when its cycle starts (autocannon gives it a fresh
    // context then) and hands it back when the cycle's last answer arrived, so no two connections act as the
    // same user at once. With more connections than users, or after a run whose connections were cut off
    // mid-cycle, the user idle longest is taken over and marked uncertain.
    const free = [...users];
    const refusals: string[] = [];
    let takenOver = 0;
    const lease = (connection: Connection): MixUser => {
      if (connection.user === undefined) {
        let user = free.shift();
        if (user === undefined) {
          user = users.reduce((idlest, candidate) => (candidate.lastActive < idlest.lastActive ? candidate : idlest));
          user.uncertain = true;
          takenOver += 1;
        }
        connection.user = user;
      }
      connection.user.lastActive = performance.now();
      return connection.user;
    };
    const requests: autocannon.Request[] = STEPS.map((_, position) => ({
      method: "GET",
      setupRequest: (request: autocannon.Request, connection: Connection) => {
        const user = lease(connection);
        const step = STEPS[(user.offset + position) % STEPS.length];
        if (step === undefined) throw new Error("no step");
        connection.step = step;
        const { method, path, body } = step.build(user);
        const headers: Record<string, string> = { authorization: `Bearer ${user.token}` };
        if (method !== "GET") Object.assign(headers, { "content-type": "application/json", "idempotency-key": randomUUID() });
        return { ...request, method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) };
      },
      onResponse: (status: number, body: string, connection: Connection) => {
        const user = connection.user;
        if (user === undefined) return;
        user.lastActive = performance.now();
        if (status >= 300 && refusals.length < 8) refusals.push(`${status} ${body.slice(0, 240)}`);
        connection.step?.after?.(status, body, user);
        if (position === STEPS.length - 1) {
          free.push(user);
          connection.user = undefined;
        }
      },
    }));

    return {
      // 1000 connections on 2 vCPUs queue for ~25 s (see load/README.md "tasks"): nothing may time out at 10 s.
      options: { timeout: 120 },
      requests,
      async check(run): Promise<RunCheck[]> {
        const checks: RunCheck[] = [];
        if (watch !== undefined) checks.push(await watch.check(stack));
        checks.push({
          name: "AI chat streams",
          // A chat still streaming when the run ends is cut off, not failed; none finished means SC-005 has no figure.
          ok: chats.failed === 0,
          lines: [
            `${chats.done} chats ended with done, ${chats.failed} without${chats.done === 0 ? " – none finished within the run: no AI chat figure" : ""}`,
            ...chats.failures.map((failure) => `  …${failure}`),
          ],
          figures: { done: chats.done, failed: chats.failed },
        });
        if (refusals.length > 0) checks.push({ name: "non-2xx answers (first 8)", ok: false, lines: refusals });
        checks.push({ name: "users", ok: true, lines: [`${USERS} users, ${takenOver} taken over from an unfinished cycle`], figures: { users: USERS, takenOver } });
        checks.push(serviceLevelCheck(run));
        checks.push(await checkMetricLabels(stack, { minRequests: run.responses }));
        return checks;
      },
      async teardown() {
        watch?.close();
        await fake.close();
      },
    };
  },
});
