import { sql } from "drizzle-orm";
import { z } from "zod";
import { NotFound } from "../../errors/api-error";
import { cursorId, cursorTimestamp, decodeCursor, encodeCursor } from "../../lib/cursor";
import type { ServiceContext } from "../context";
import { presentTask, taskJsonSql, type Task, type TaskRecord } from "../tasks/present";
import { requireUserId } from "../users/get-me";
import { presentTemplate, ruleOf, templateJsonSql, templateStatementSql, type Template, type TemplateRecord } from "./present";
import { expander } from "./rule";

/** The reads of docs/recurring.md: one template, the list, the series' history, the occurrence preview. One round trip each. */

export async function getTemplate({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<Template> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ template: TemplateRecord }>(templateStatementSql(userId, input.id));
  const record = result.rows[0]?.template;
  if (!record) throw new NotFound("Template");
  return presentTemplate(record);
}

const listCursor = z.strictObject({ k: cursorTimestamp, id: cursorId });

/** `GET /templates`: newest first, keyset pagination on (created_at, id). */
export async function listTemplates({ ctx, input }: { ctx: ServiceContext; input: { limit: number; cursor?: string | undefined } }): Promise<{ data: Template[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor, listCursor);
  const result = await ctx.db.execute<{ template: TemplateRecord; cursor_key: string }>(sql`
    select ${templateJsonSql("tt")} as template, tt.created_at::text as cursor_key from task_templates tt
    where tt.user_id = ${userId} ${after ? sql`and (tt.created_at, tt.id) < (${after.k}::timestamptz, ${after.id}::uuid)` : sql``}
    order by tt.created_at desc, tt.id desc limit ${input.limit + 1}`);
  const rows = result.rows.slice(0, input.limit);
  const last = rows.at(-1);
  return {
    data: rows.map((row) => presentTemplate(row.template)),
    next_cursor: result.rows.length > input.limit && last ? encodeCursor({ k: last.cursor_key, id: last.template.id }) : null,
  };
}

export type InstanceStatus = "open" | "completed" | "skipped" | "deleted";
export type InstanceEntry = Task & { status: InstanceStatus };

const historyCursor = z.strictObject({ k: cursorTimestamp, id: cursorId });

/**
 * `GET /templates/{id}/instances` (docs/recurring.md "History"): newest occurrence first, cursor pagination.
 * Existing instances come from `task_instances`; a deleted one from its tombstone's snapshot (while the
 * tombstone is kept: docs/recovery-and-activity.md), as `deleted`.
 */
export async function listInstances({ ctx, input }: { ctx: ServiceContext; input: { id: string; limit: number; cursor?: string | undefined } }): Promise<{ data: InstanceEntry[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor, historyCursor);
  const result = await ctx.db.execute<{ found: boolean; task: (TaskRecord & { skipped_at: string | null }) | null; status: InstanceStatus | null; cursor_key: string | null }>(sql`
    with template as (select id from task_templates where id = ${input.id} and user_id = ${userId}),
    entries as (
      select ${taskJsonSql("t")} || jsonb_build_object('skipped_at', t.skipped_at) as task,
        -- archived without being completed (skipped, or archived by the user): closed without completion
        case when t.completed then 'completed' when t.skipped_at is not null or t.archived then 'skipped' else 'open' end as status,
        t.occurrence_at, t.id
      from task_instances t where t.template_id = (select id from template) and t.user_id = ${userId}
      union all
      select (d.snapshot->'task') || jsonb_build_object('tags', coalesce(d.snapshot->'tags', '[]'::jsonb)), 'deleted',
        (d.snapshot->'task'->>'occurrence_at')::timestamptz, d.entity_id
      from deletion_tombstones d
      where d.user_id = ${userId} and d.entity_type = 'task' and d.restored_at is null
        and d.snapshot->'task'->>'template_id' = (select id::text from template)
    )
    select exists (select 1 from template) as found, e.task, e.status, e.occurrence_at::text as cursor_key
    from (select 1) one left join lateral (
      select * from entries e
      ${after ? sql`where (e.occurrence_at, e.id) < (${after.k}::timestamptz, ${after.id}::uuid)` : sql``}
      order by e.occurrence_at desc, e.id desc limit ${input.limit + 1}
    ) e on true`);
  if (!result.rows[0]?.found) throw new NotFound("Template");
  const rows = result.rows.filter((row) => row.task !== null).slice(0, input.limit);
  const entries = rows.flatMap((row) => (row.task && row.status ? [{ ...presentTask(row.task), status: row.status }] : []));
  const last = rows.at(-1);
  const more = result.rows.filter((row) => row.task !== null).length > input.limit;
  return { data: entries, next_cursor: more && last?.task && last.cursor_key ? encodeCursor({ k: last.cursor_key, id: last.task.id }) : null };
}

/** `GET /templates/{id}/occurrences?limit=N`: the next N occurrences after now, creating nothing. */
export async function previewOccurrences({ ctx, input }: { ctx: ServiceContext; input: { id: string; limit: number } }): Promise<{ occurrence_at: string; local: string }[]> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ template: TemplateRecord }>(templateStatementSql(userId, input.id));
  const record = result.rows[0]?.template;
  if (!record) throw new NotFound("Template");
  const occurrences = (await expander(ruleOf(record))).after(ctx.clock.now(), input.limit);
  return occurrences.map((occurrence) => ({ occurrence_at: occurrence.at.toISOString(), local: occurrence.local }));
}
