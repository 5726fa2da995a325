import { sql } from "drizzle-orm";
import { NotFound, ValidationFailed } from "../../errors/api-error";
import { TAG_NAME_MAX } from "../../db/schema/tags";
import type { ServiceContext } from "../context";
import { commitWithEvents } from "../events/commit";
import { jsonResponse } from "../idempotency/types";
import { requireUserId } from "../users/get-me";
import { GuardFailed, readForWrite } from "../writes";
import { normalizeTagName } from "./normalize";

/**
 * `DELETE /tags/{name}` (SPEC §3): removes the tag from every task (the task_tags cascade) and deletes it.
 * The name is normalised like on input, so `DELETE /tags/Work` removes `work`. Each task that carried it
 * gets a new version and `updated_at` (its `tags` changed, so a client holding the old version must
 * re-read); the activity log records the tag's deletion. Round trip 1 finds the tag (404), round trip 2 is
 * one batch guarded on the tag still existing (a concurrent delete → 404).
 */
export async function deleteTag({ ctx, input }: { ctx: ServiceContext; input: { name: string } }): Promise<{ name: string; removed_from: number }> {
  const userId = requireUserId(ctx);
  const name = normalizeTagName(input.name);
  if (name.length < 1 || name.length > TAG_NAME_MAX) throw new ValidationFailed([{ field: "param.name", reason: `A tag is 1–${TAG_NAME_MAX} characters.` }]);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const [found] = await readForWrite(ctx, [ctx.db.execute<{ id: string }>(sql`select id from tags where user_id = ${userId} and name = ${name}`)]);
  const tagId = found.rows[0]?.id;
  if (tagId === undefined) throw new NotFound("Tag");
  try {
    const [removal] = (await commitWithEvents(
      ctx,
      [
        ctx.db.execute(sql`
          with touched as (
            update task_instances set version = version + 1, updated_at = ${stamp}::timestamptz
            where user_id = ${userId} and id in (select tt.task_id from task_tags tt where tt.tag_id = ${tagId} and tt.user_id = ${userId})
            returning id),
          removed as (delete from tags where id = ${tagId} and user_id = ${userId} returning id)
          select perpetua_guard(exists (select 1 from removed), 'NOT_FOUND') as found, (select count(*) from touched) as removed_from`),
      ],
      [{ type: "tag.deleted", tagId, name }],
      { userId, now },
      jsonResponse(204, null),
    )) as [{ rows: { removed_from: string | number }[] }];
    return { name, removed_from: Number(removal.rows[0]?.removed_from ?? 0) };
  } catch (error) {
    if (error instanceof GuardFailed && error.code === "NOT_FOUND") throw new NotFound("Tag");
    throw error;
  }
}
