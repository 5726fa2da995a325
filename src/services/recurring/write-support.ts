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
