import { mintIdToken, signIn } from "../../support/auth";
import { createSubtask, createTask, expectData, type TestClient } from "../../support/factories";
import { scriptModel } from "../../support/openai";
import { proposeAction } from "../ai/suggestions-support";
import { createNote } from "../notes/support";
import { mintSubscription, seedNotification, subscribe } from "../push/support";

/**
 * The caller's own resources for the schema-driven property cases (schema-properties.test.ts): what a path
 * parameter names (`/tasks/{id}` a task of the caller, `/tags/{name}` one of the caller's tags…), created through
 * the real API (or the producer's own service call where no endpoint creates it: notifications, AI suggestions),
 * so a generated request meets a real resource as well as a random id's documented 404.
 */
export type ResourceKind =
  | "task"
  | "subtask"
  | "tag"
  | "tombstone"
  | "focus-session"
  | "notification"
  | "push-subscription"
  | "template"
  | "reminder"
  | "note"
  | "suggestion"
  | "conversation";

/** The resource a path parameter names, from the segment before it (`/ai/tasks/{id}` → task). */
const KIND_OF_SEGMENT: Readonly<Record<string, ResourceKind>> = {
  tasks: "task",
  subtasks: "subtask",
  tags: "tag",
  recovery: "tombstone",
  sessions: "focus-session",
  notifications: "notification",
  subscriptions: "push-subscription",
  templates: "template",
  reminders: "reminder",
  notes: "note",
  suggestions: "suggestion",
  conversations: "conversation",
};

export function kindOfParameter(path: string, name: string): ResourceKind {
  const segments = path.split("/");
  const before = segments[segments.indexOf(`{${name}}`) - 1] ?? "";
  const kind = KIND_OF_SEGMENT[before];
  if (kind === undefined) throw new Error(`no resource kind for {${name}} in ${path}: add the segment "${before}" to KIND_OF_SEGMENT`);
  return kind;
}

/** Marks the caller's task and note: the OpenAI fake's scripts answer requests that contain it. */
export function markerOf(client: TestClient): string {
  return `Property target ${client.userId}`;
}

/** One real resource of `kind` owned by `client`; its id (or, for a tag, its name). */
export async function createResource(client: TestClient, kind: ResourceKind): Promise<string> {
  const marker = markerOf(client);
  switch (kind) {
    case "task":
      return (await createTask(client, { title: marker, tags: ["property"], due_date: new Date(Date.now() + 86_400_000).toISOString() })).id;
    case "subtask":
      return (await createSubtask(client, (await createTask(client, { title: marker })).id)).id;
    case "tag":
      await createTask(client, { title: marker, tags: ["property"] });
      return "property";
    case "tombstone": {
      const task = await createTask(client, { title: `${marker} (deleted)` });
      await expectData(await client.request("DELETE", `/tasks/${task.id}`), 200);
      const list = await expectData<{ id: string; entity_id: string }[]>(await client.request("GET", "/recovery"));
      const tombstone = list.find((entry) => entry.entity_id === task.id);
      if (tombstone === undefined) throw new Error("the deleted task has no tombstone");
      return tombstone.id;
    }
    case "focus-session":
      return (await expectData<{ id: string }>(await client.request("POST", "/focus/sessions", { body: {} }), 201)).id;
    case "notification":
      return seedNotification(client.userId);
    case "push-subscription":
      return (await subscribe(client)).subscription.id;
    case "template": {
      const body = { title: marker, rrule: "FREQ=DAILY", timezone: "UTC", starts_at: new Date(Date.now() + 3_600_000).toISOString() };
      return (await expectData<{ id: string }>(await client.request("POST", "/templates", { body }), 201)).id;
    }
    case "reminder": {
      const task = await createTask(client, { title: marker, due_date: new Date(Date.now() + 86_400_000).toISOString() });
      const body = { kind: "absolute", remind_at: new Date(Date.now() + 3_600_000).toISOString() };
      return (await expectData<{ id: string }>(await client.request("POST", `/tasks/${task.id}/reminders`, { body }), 201)).id;
    }
    case "note":
      return (await createNote(client, { content: `${marker}: call the bank, then book the flights` })).id;
    case "suggestion":
      return (await proposeAction(client, "create_task", { title: marker })).id;
    case "conversation": {
      const chat = await client.request("POST", "/ai/chat", { body: { message: `${marker}: hello` } });
      await chat.text();
      const list = await expectData<{ id: string }[]>(await client.request("GET", "/ai/conversations"));
      const first = list[0];
      if (first === undefined) throw new Error(`the chat (${chat.status}) left no conversation`);
      return first.id;
    }
  }
}

/**
 * The AI fake answers the caller's model calls with what each route asks for: subtasks for a task, a task for
 * a note, plain text for a chat (unscripted, a structured call gets the schema's smallest instance – nothing
 * to propose, an honest 503).
 */
export async function scriptModelFor(client: TestClient, path: string): Promise<void> {
  const match = markerOf(client);
  if (path.startsWith("/api/v1/ai/tasks/")) await scriptModel({ match, turns: [{ json: { subtasks: [{ title: "A first step" }, { title: "A second step" }] } }] });
  else if (path.startsWith("/api/v1/ai/notes/")) await scriptModel({ match, turns: [{ json: { title: "Call the bank", description: "Then book the flights.", priority: "medium", due_date: null, subtasks: [{ title: "Find the account number" }] } }] });
  else await scriptModel({ match, turns: [{ text: ["Sure – ", "here is a plan."] }] });
}

/** Inputs only the run can make: Google ID tokens of the fake issuer, refresh tokens, push subscriptions. */
export async function mintedIdTokens(count: number): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, () => mintIdToken()));
}

export async function refreshTokens(count: number): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, async () => (await signIn()).refreshToken));
}

export async function pushSubscriptions(count: number): Promise<{ endpoint: string; keys: { p256dh: string; auth: string } }[]> {
  return Promise.all(Array.from({ length: count }, () => mintSubscription()));
}
