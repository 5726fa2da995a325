import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { runWrite } from "../unit-of-work";
import { requireUserId } from "../users/get-me";

/**
 * `DELETE /reminders/{id}`: one round trip (the delete and its 404 guard in the commit batch). A message
 * already on the queue for it finds nothing and does nothing.
 */
export function deleteReminder({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<void> {
  return runWrite(ctx, { operation: "reminders.delete", status: 204 }, async (unit) => {
    const userId = requireUserId(unit.ctx);
    unit.write(
      unit.ctx.db.execute(sql`
        with removed as (delete from reminders where id = ${input.id} and user_id = ${userId} returning 1)
        select ${guard("REMINDER_NOT_FOUND", sql`exists (select 1 from removed)`)}`),
    );
  });
}
