import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { SentRequest, SequentialClient } from "../sequential-client.ts";

/**
 * The operations the `floor` scenario times (issue 17): every operation of tasks, subtasks, tags, recovery and
 * users in contracts/openapi.json. A read runs against one shared reader whose state never changes; each write
 * has a user of its own and `prepare`s, untimed, the state its sample consumes (a fresh task to complete, a
 * fresh tombstone to restore …), so every sample does the same work on the same kind of row with a valid
 * version and a new Idempotency-Key.
 */
export interface Operation {
  name: string;
  /** "reference": not an operation under test but the stack's cost of one trivial round trip (`referenceOperation`). */
  kind: "read" | "write" | "reference";
  prepare(context: OperationContext): Promise<SentRequest>;
}

export interface OperationContext {
  /** The operation's own user (writes). */
  own: UserApi;
  /** The shared reader and its tasks (reads). */
  reader: ReaderFixture;
  /** 0-based sample number, warm-up samples included: unique per operation. */
  sample: number;
}

export interface ReaderFixture {
  api: UserApi;
  /** A task with subtasks, tags and history. */
  taskId: string;
}

/** Untimed calls as one user, for preparing state; anything but 2xx is a failed preparation. */
export class UserApi {
  constructor(
    private readonly client: SequentialClient,
    readonly token: string,
  ) {}

  get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** Headers of a write: a fresh Idempotency-Key and, when given, the version as If-Match. */
  writeHeaders(version?: number): Record<string, string> {
    return { ...this.auth, "idempotency-key": randomUUID(), ...(version === undefined ? {} : { "if-match": `"${version}"` }) };
  }

  async call<T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown): Promise<T> {
    const headers = method === "GET" ? this.auth : this.writeHeaders();
    const response = await this.client.send({ method, path: `/api/v1${path}`, headers, ...(body === undefined ? {} : { body }) });
    if (response.status < 200 || response.status > 299) {
      throw new Error(`preparing: ${method} ${path} answered ${response.status}: ${response.text.slice(0, 300)}`);
    }
    return schema.parse(response.status === 204 ? undefined : JSON.parse(response.text));
  }

  createTask(title: string, tags: readonly string[] = ["bench"]): Promise<Versioned> {
    return this.call(envelope(versioned), "POST", "/tasks", { title, description: "Numbers from the finance sheet.", tags }).then((body) => body.data);
  }

  createSubtask(taskId: string, title: string): Promise<Versioned> {
    return this.call(envelope(versioned), "POST", `/tasks/${taskId}/subtasks`, { title }).then((body) => body.data);
  }

  /** The task's current version (adding subtasks changes it). */
  taskVersion(taskId: string): Promise<number> {
    return this.call(envelope(versioned), "GET", `/tasks/${taskId}`).then((body) => body.data.version);
  }
}

const versioned = z.object({ id: z.string(), version: z.number().int() });
type Versioned = z.infer<typeof versioned>;
const envelope = <T extends z.ZodType>(data: T) => z.object({ data });

/** The reader's state: 10 tasks with tags and two subtasks each, one completed, two deleted (for /recovery). */
export async function prepareReader(api: UserApi): Promise<ReaderFixture> {
  const tasks: Versioned[] = [];
  for (let n = 1; n <= 10; n += 1) {
    const task = await api.createTask(`Quarterly report ${n}`, ["work", n % 2 === 0 ? "finance" : "board"]);
    await api.createSubtask(task.id, "Collect the numbers");
    await api.createSubtask(task.id, "Write the summary");
    tasks.push(task);
  }
  const [first, second] = tasks;
  if (first === undefined || second === undefined) throw new Error("no reader tasks");
  await api.call(z.unknown(), "POST", `/tasks/${second.id}/complete`, {});
  for (const n of [1, 2]) {
    const gone = await api.createTask(`Deleted draft ${n}`);
    await api.call(z.unknown(), "DELETE", `/tasks/${gone.id}`);
  }
  return { api, taskId: first.id };
}

const read = (name: string, path: (reader: ReaderFixture) => string): Operation => ({
  name,
  kind: "read",
  prepare: async ({ reader }) => ({ method: "GET", path: `/api/v1${path(reader)}`, headers: reader.api.auth }),
});

/**
 * Not one of the operations the target covers: `GET /health/ready` needs no token, sends no rate-limit RPC and
 * makes one trivial round trip (`select max(created_at)` on the migrations table). What it takes over the
 * platform and its delay is what any round trip costs this stack – workerd's subrequest, the endpoint's HTTP
 * handling, PostgreSQL woken after the delay – before our code does anything with it.
 */
export const referenceOperation: Operation = {
  name: "GET /health/ready",
  kind: "reference",
  prepare: () => Promise.resolve({ method: "GET", path: "/api/v1/health/ready" }),
};

export const operations: readonly Operation[] = [
  read("GET /users/me", () => "/users/me"),
  read("GET /users/me/limits", () => "/users/me/limits"),
  read("GET /users/me/stats", () => "/users/me/stats"),
  read("GET /tasks", () => "/tasks"),
  read("GET /tasks?q=", () => "/tasks?q=reports"),
  read("GET /tasks/{id}", (reader) => `/tasks/${reader.taskId}`),
  read("GET /tasks/{id}/history", (reader) => `/tasks/${reader.taskId}/history`),
  read("GET /tags", () => "/tags"),
  read("GET /recovery", () => "/recovery"),
  {
    name: "PATCH /users/me",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const { data } = await own.call(envelope(z.object({ version: z.number().int() })), "GET", "/users/me");
      return { method: "PATCH", path: "/api/v1/users/me", headers: own.writeHeaders(data.version), body: { name: `Bench ${sample}` } };
    },
  },
  {
    name: "POST /tasks",
    kind: "write",
    prepare: async ({ own, sample }) => ({
      method: "POST",
      path: "/api/v1/tasks",
      headers: own.writeHeaders(),
      body: { title: `Write the quarterly report ${sample}`, description: "Numbers from the finance sheet.", tags: ["bench"] },
    }),
  },
  {
    name: "PATCH /tasks/{id}",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const task = await own.createTask(`To edit ${sample}`);
      return { method: "PATCH", path: `/api/v1/tasks/${task.id}`, headers: own.writeHeaders(task.version), body: { title: `Edited ${sample}`, priority: "high" } };
    },
  },
  {
    name: "POST /tasks/{id}/complete",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const task = await own.createTask(`To complete ${sample}`);
      return { method: "POST", path: `/api/v1/tasks/${task.id}/complete`, headers: own.writeHeaders(task.version), body: {} };
    },
  },
  {
    name: "POST /tasks/{id}/reopen",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const task = await own.createTask(`To reopen ${sample}`);
      const { data } = await own.call(envelope(z.object({ task: versioned })), "POST", `/tasks/${task.id}/complete`, {});
      return { method: "POST", path: `/api/v1/tasks/${task.id}/reopen`, headers: own.writeHeaders(data.task.version), body: {} };
    },
  },
  {
    name: "POST /tasks/{id}/force-complete",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const task = await own.createTask(`To force-complete ${sample}`);
      await own.createSubtask(task.id, "Open step");
      return { method: "POST", path: `/api/v1/tasks/${task.id}/force-complete`, headers: own.writeHeaders(await own.taskVersion(task.id)), body: {} };
    },
  },
  {
    name: "DELETE /tasks/{id}",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const task = await own.createTask(`To delete ${sample}`);
      return { method: "DELETE", path: `/api/v1/tasks/${task.id}`, headers: { ...own.auth, "if-match": `"${task.version}"` } };
    },
  },
  {
    name: "POST /tasks/{id}/subtasks",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const task = await own.createTask(`With a new subtask ${sample}`);
      return { method: "POST", path: `/api/v1/tasks/${task.id}/subtasks`, headers: own.writeHeaders(), body: { title: "Collect the numbers" } };
    },
  },
  {
    name: "PATCH /subtasks/{id} (title)",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const task = await own.createTask(`Subtask to rename ${sample}`);
      const subtask = await own.createSubtask(task.id, "Collect the numbers");
      return { method: "PATCH", path: `/api/v1/subtasks/${subtask.id}`, headers: own.writeHeaders(subtask.version), body: { title: "Collect all the numbers" } };
    },
  },
  {
    name: "PATCH /subtasks/{id} (complete)",
    kind: "write",
    prepare: async ({ own, sample }) => {
      // Two subtasks: ticking one completes the subtask, not the task.
      const task = await own.createTask(`Subtask to tick ${sample}`);
      const subtask = await own.createSubtask(task.id, "Collect the numbers");
      await own.createSubtask(task.id, "Write the summary");
      return { method: "PATCH", path: `/api/v1/subtasks/${subtask.id}`, headers: own.writeHeaders(subtask.version), body: { completed: true } };
    },
  },
  {
    name: "DELETE /subtasks/{id}",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const task = await own.createTask(`Subtask to delete ${sample}`);
      const subtask = await own.createSubtask(task.id, "Collect the numbers");
      return { method: "DELETE", path: `/api/v1/subtasks/${subtask.id}`, headers: { ...own.auth, "if-match": `"${subtask.version}"` } };
    },
  },
  {
    name: "PUT /tasks/{id}/subtasks/order",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const task = await own.createTask(`Subtasks to reorder ${sample}`);
      const first = await own.createSubtask(task.id, "Collect the numbers");
      const second = await own.createSubtask(task.id, "Write the summary");
      return { method: "PUT", path: `/api/v1/tasks/${task.id}/subtasks/order`, headers: own.auth, body: { ids: [second.id, first.id] } };
    },
  },
  {
    name: "DELETE /tags/{name}",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const tag = `gone-${sample}`;
      await own.createTask(`Tagged ${sample}`, ["bench", tag]);
      return { method: "DELETE", path: `/api/v1/tags/${tag}`, headers: own.auth };
    },
  },
  {
    name: "POST /recovery/{id}/restore",
    kind: "write",
    prepare: async ({ own, sample }) => {
      const task = await own.createTask(`To restore ${sample}`);
      await own.createSubtask(task.id, "Collect the numbers");
      const { data } = await own.call(envelope(z.object({ tombstone_id: z.string() })), "DELETE", `/tasks/${task.id}`);
      return { method: "POST", path: `/api/v1/recovery/${data.tombstone_id}/restore`, headers: own.writeHeaders() };
    },
  },
];
