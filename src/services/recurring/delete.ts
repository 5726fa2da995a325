import { sql } from "drizzle-orm";
import { expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { runWrite } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { currentTemplateSql } from "./present";
import { checkTemplateWritable, templateForWriteStatement } from "./write-support";

/**
 * `DELETE /templates/{id}` (docs/recurring.md): ends the series. Its instances stay as ordinary tasks – the
 * foreign key sets their `template_id` to null – and a generate message still in flight finds no template
 * and is dropped. `If-Match` is checked when sent. 204.
 */
export function deleteTemplate({ ctx, input }: { ctx: ServiceContext; input: { id: string; ifMatch?: string | undefined } }): Promise<void> {
  const expected = expectedVersion({ ifMatch: input.ifMatch, required: false });
  return runWrite(ctx, { operation: "templates.delete", status: 204 }, async (unit) => {
    const userId = requireUserId(unit.ctx);
    const rows = unit.read(templateForWriteStatement(unit.ctx, userId, input.id));
    await unit.load();
    const current = checkTemplateWritable(rows.result.rows[0]?.template, expected);
    const versionCheck = expected === undefined ? sql`true` : sql`tt.version = ${expected}`;
    unit.writeAll([
      unit.ctx.db.execute(sql`select 1 from task_templates where id = ${current.id} and user_id = ${userId} for update`),
      unit.ctx.db.execute(sql`select ${guard(
        "TEMPLATE_VERSION_CONFLICT",
        sql`exists (select 1 from task_templates tt where tt.id = ${current.id} and tt.user_id = ${userId} and ${versionCheck})`,
        currentTemplateSql(userId, current.id),
      )}`),
      unit.ctx.db.execute(sql`delete from task_templates where id = ${current.id} and user_id = ${userId}`),
    ]);
  });
}
