import { sql } from "drizzle-orm";
import { NotFound } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { requireUserId } from "../users/get-me";
import { noteJsonSql, presentNote, type Note, type NoteRecord } from "./present";

/** `GET /notes/{id}` (docs/notes-and-voice.md): one round trip; another user's id is 404 like a missing one. */
export async function getNote({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<Note> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ note: NoteRecord }>(sql`select ${noteJsonSql("n")} as note from notes n where n.id = ${input.id} and n.user_id = ${userId}`);
  const row = result.rows[0];
  if (!row) throw new NotFound("Note");
  return presentNote(row.note);
}
