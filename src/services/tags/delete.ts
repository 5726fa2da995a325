import { sql } from "drizzle-orm";
import { NotFound, ValidationFailed } from "../../errors/api-error";
import { TAG_NAME_MAX } from "../../db/schema/tags";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { normalizeTagName } from "./normalize";

/**
 * `DELETE /tags/{name}` (docs/tasks.md): removes the tag from every task (the task_tags cascade) and deletes it.
 * The name is normalised like on input, so `DELETE /tags/Work` removes `work`. Each task that carried it
 * gets a new version and `updated_at` (its `tags` changed, so a client holding the old version must
 * re-read); the activity log records the tag's deletion. Round trip 1 finds the tag (404), round trip 2 is
 * one batch guarded on the tag still existing (a concurrent delete → 404).
 */
export function deleteTag({ ctx, input }: { ctx: ServiceContext; input: { name: string } }): Promise<void> {
  const name = normalizeTagName(input.name);
  if (name.length < 1 || name.length > TAG_NAME_MAX) throw new ValidationFailed([{ field: "param.name", reason: `A tag is 1–${TAG_NAME_MAX} characters.` }]);
  return runWrite(ctx, { operation: "tags.delete", status: 204 }, (unit) => remove(unit, name));
}

async function remove(unit: WriteUnit, name: string): Promise<void> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const stamp = ctx.clock.now().toISOString();
  const found = unit.read(ctx.db.execute<{ id: string }>(sql`select id from tags where user_id = ${userId} and name = ${name}`));
  await unit.load();
  const tagId = found.result.rows[0]?.id;
  if (tagId === undefined) throw new NotFound("Tag");
  unit.write(
    ctx.db.execute(sql`
      with touched as (
        update task_instances set version = version + 1, updated_at = ${stamp}::timestamptz
        where user_id = ${userId} and id in (select tt.task_id from task_tags tt where tt.tag_id = ${tagId} and tt.user_id = ${userId})
        returning id),
      removed as (delete from tags where id = ${tagId} and user_id = ${userId} returning id)
      select ${guard("TAG_NOT_FOUND", sql`exists (select 1 from removed)`)} as found, (select count(*) from touched) as removed_from`),
  );
  unit.emit({ type: "tag.deleted", tagId, name });
}
