import type { EndFocusResult } from "../../../src/services/focus/end";
import type { FocusSession } from "../../../src/services/focus/present";
import { clientAt, dbRows, expectData, sql, type TestClient } from "../../support/factories";

/** A session as the API answers it (the services' presenter type). */
export type FocusSessionJson = FocusSession;
export type EndedJson = EndFocusResult;

export const MINUTE = 60_000;

/** An instant `minutes` after `from` (RFC 3339). */
export function at(from: number, minutes: number): string {
  return new Date(from + minutes * MINUTE).toISOString();
}

/** `POST /focus/sessions` with the clock pinned to `now` (a token valid then). */
export async function startAt(client: TestClient, now: string, body: Record<string, unknown> = {}): Promise<FocusSessionJson> {
  const pinned = await clientAt(client, now);
  return expectData<FocusSessionJson>(await pinned.request("POST", "/focus/sessions", { body }), 201);
}

/** `POST /focus/sessions/{id}/end` with the clock pinned to `now`. */
export async function endAt(client: TestClient, now: string, id: string): Promise<EndedJson> {
  const pinned = await clientAt(client, now);
  return expectData<EndedJson>(await pinned.request("POST", `/focus/sessions/${id}/end`));
}

export async function focusTime(taskId: string): Promise<{ focus_time_seconds: number; version: number; updated_at: string }> {
  const [row] = await dbRows<{ focus_time_seconds: number; version: number; updated_at: string }>(
    sql`select focus_time_seconds, version, updated_at::text from task_instances where id = ${taskId}`,
  );
  if (!row) throw new Error(`task ${taskId} not found`);
  return row;
}

export async function sessionRows(userId: string): Promise<{ id: string; status: string; elapsed_seconds: number | null; ended_at: string | null }[]> {
  return dbRows(sql`select id, status, elapsed_seconds, ended_at::text from focus_sessions where user_id = ${userId} order by started_at`);
}

export async function activityFor(entityId: string): Promise<{ action: string; actor: string; changes: Record<string, unknown> }[]> {
  return dbRows(sql`select action, actor, changes from activity_log where entity_id = ${entityId} order by created_at`);
}
