import { sql } from "drizzle-orm";
import { NotFound, VersionConflict } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { currentTemplateSql, presentTemplate, templateStatementSql, type TemplateRecord } from "./present";

/** Round trip 1 read of a template the request wants to read or change (no row = missing or someone else's). */
export function templateForWriteStatement(ctx: ServiceContext, userId: string, templateId: string) {
  return ctx.db.execute<{ template: TemplateRecord }>(templateStatementSql(userId, templateId));
}

/** docs/conventions.md#ownership and #optimistic-locking for templates. */
export function checkTemplateWritable(record: TemplateRecord | undefined, expected: number | undefined): TemplateRecord {
  if (record === undefined) throw new NotFound("Template");
  if (expected !== undefined && expected !== record.version) throw new VersionConflict(presentTemplate(record));
  return record;
}

/** A lost race on a template: 409 with the current one when the client named a version, else a re-run. */
export type TemplateConflict = "TEMPLATE_VERSION_CONFLICT" | "STATE_MOVED";

export function templateConflictFor(expected: number | undefined): TemplateConflict {
  return expected === undefined ? "STATE_MOVED" : "TEMPLATE_VERSION_CONFLICT";
}

/**
 * Follows `UPDATE task_templates … WHERE version = $seen` in a batch: passes only if that UPDATE changed the
 * row in this transaction (same technique as tasks/write-support.ts taskUpdatedGuard).
 */
export function templateUpdatedGuard(ctx: ServiceContext, userId: string, templateId: string, onConflict: TemplateConflict) {
  return ctx.db.execute(sql`select ${guard(
    onConflict,
    sql`exists (select 1 from task_templates tt where tt.id = ${templateId} and tt.user_id = ${userId} and tt.xmin = pg_current_xact_id()::xid)`,
    currentTemplateSql(userId, templateId),
  )}`);
}

/**
 * Reopening an instance of a template (docs/recurring.md "At most one open instance"): refused with
 * `409 LIMIT_EXCEEDED {limit: 1, current: 1}` while another instance of the series is open – checked inside
 * the batch, before the reopening UPDATE would hit the one-open-per-template index.
 */
export function oneOpenInstanceGuard(ctx: ServiceContext, userId: string, taskId: string, templateId: string) {
  return ctx.db.execute(sql`select ${guard(
    "OPEN_INSTANCE_LIMIT",
    sql`not exists (select 1 from task_instances o where o.template_id = ${templateId} and o.user_id = ${userId} and o.id <> ${taskId}
      and not o.completed and not o.archived)`,
    sql`jsonb_build_object('limit', 1, 'current', 1)`,
  )}`);
}
