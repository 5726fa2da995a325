import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { TaskPriority } from "../../db/schema/tasks";
import { ValidationFailed } from "../../errors/api-error";
import { cursorId, cursorTimestamp, decodeCursor, encodeCursor } from "../../lib/cursor";
import type { ServiceContext } from "../context";
import { normalizeTagName } from "../tags/normalize";
import { requireUserId } from "../users/get-me";
import { presentTask, taskJsonSql, type Task, type TaskRecord } from "./present";

export const TASK_SORTS = ["created_at", "due_date", "priority", "updated_at"] as const;
export type TaskSort = (typeof TASK_SORTS)[number];
export type SortOrder = "asc" | "desc";

export interface ListTasksInput {
  completed?: boolean | undefined;
  priority?: TaskPriority[] | undefined;
  tags?: string[] | undefined;
  q?: string | undefined;
  due_before?: string | undefined;
  due_after?: string | undefined;
  template_id?: string | undefined;
  hidden: boolean;
  archived: boolean;
  sort: TaskSort;
  order?: SortOrder | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Newest/most important first, except due dates: soonest first (no due date last). */
export function defaultOrder(sort: TaskSort): SortOrder {
  return sort === "due_date" ? "asc" : "desc";
}

/**
 * The keyset of each sort: the key expressions, then `id` as the tie-breaker. A missing due date sorts as
 * +infinity so the key is never NULL (row comparisons with NULL would lose rows). Priority orders by the
 * generated `priority_rank` (not the text), then creation – the (user, rank, created_at, id) index.
 */
const KEYS: Record<TaskSort, { exprs: SQL[]; cursor: z.ZodType<(string | number)[]> }> = {
  created_at: { exprs: [sql`t.created_at`], cursor: z.tuple([cursorTimestamp]) },
  updated_at: { exprs: [sql`t.updated_at`], cursor: z.tuple([cursorTimestamp]) },
  due_date: { exprs: [sql`coalesce(t.due_date, 'infinity'::timestamptz)`], cursor: z.tuple([z.union([cursorTimestamp, z.literal("infinity")])]) },
  priority: { exprs: [sql`t.priority_rank`, sql`t.created_at`], cursor: z.tuple([z.number().int().min(1).max(3), cursorTimestamp]) },
};

const cursorSchema = z.strictObject({ s: z.enum(TASK_SORTS), o: z.enum(["asc", "desc"]), k: z.array(z.union([z.string(), z.number()])).max(2), id: cursorId });

/**
 * `GET /tasks` (docs/tasks.md) in exactly one round trip: filters, sort, full-text `q` (websearch syntax over the
 * weighted `search` vector: stemmed, so "running" finds "run"), tags AND (a task must carry every tag
 * given), and opaque keyset pagination stable under concurrent inserts (lib/cursor.ts). One extra row is
 * fetched to know whether there is a next page.
 */
export async function listTasks({ ctx, input }: { ctx: ServiceContext; input: ListTasksInput }): Promise<{ data: Task[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const order = input.order ?? defaultOrder(input.sort);
  const keys = KEYS[input.sort];
  const direction = sql.raw(order);
  const where: SQL[] = [sql`t.user_id = ${userId}`, sql`t.hidden = ${input.hidden}`, sql`t.archived = ${input.archived}`];
  if (input.completed !== undefined) where.push(sql`t.completed = ${input.completed}`);
  if (input.priority !== undefined && input.priority.length > 0) {
    where.push(sql`t.priority = any (select jsonb_array_elements_text(${JSON.stringify(input.priority)}::jsonb))`);
  }
  if (input.template_id !== undefined) where.push(sql`t.template_id = ${input.template_id}`);
  // As UTC: Postgres refuses some offsets RFC 3339 allows (beyond ±15:59).
  if (input.due_before !== undefined) where.push(sql`t.due_date < ${new Date(input.due_before).toISOString()}::timestamptz`);
  if (input.due_after !== undefined) where.push(sql`t.due_date > ${new Date(input.due_after).toISOString()}::timestamptz`);
  if (input.q !== undefined) where.push(sql`t.search @@ websearch_to_tsquery('english', ${input.q})`);
  const tags = [...new Set((input.tags ?? []).map(normalizeTagName))];
  if (tags.length > 0) {
    where.push(sql`t.id in (select tt.task_id from task_tags tt join tags g on g.id = tt.tag_id
      where tt.user_id = ${userId} and g.user_id = ${userId} and g.name = any (select jsonb_array_elements_text(${JSON.stringify(tags)}::jsonb))
      group by tt.task_id having count(*) = ${tags.length})`);
  }
  if (input.cursor !== undefined) {
    const position = decodeCursor(input.cursor, cursorSchema);
    if (position.s !== input.sort || position.o !== order) {
      throw new ValidationFailed([{ field: "query.cursor", reason: "The cursor belongs to another sort or order." }]);
    }
    const values = keys.cursor.safeParse(position.k);
    if (!values.success) throw new ValidationFailed([{ field: "query.cursor", reason: "Not a cursor returned by this listing." }]);
    const casts = values.data.map((value) => (typeof value === "number" ? sql`${value}::int` : sql`${value}::timestamptz`));
    const comparator = sql.raw(order === "asc" ? ">" : "<");
    where.push(sql`(${sql.join([...keys.exprs, sql`t.id`], sql`, `)}) ${comparator} (${sql.join([...casts, sql`${position.id}::uuid`], sql`, `)})`);
  }
  const orderBy = sql.join([...keys.exprs, sql`t.id`].map((expr) => sql`${expr} ${direction}`), sql`, `);
  const result = await ctx.db.execute<{ task: TaskRecord; cursor_key: (string | number)[] }>(sql`
    select ${taskJsonSql("t")} as task, jsonb_build_array(${sql.join(keys.exprs, sql`, `)}) as cursor_key
    from task_instances t
    where ${sql.join(where, sql` and `)}
    order by ${orderBy}
    limit ${input.limit + 1}`);
  const rows = result.rows.slice(0, input.limit);
  const last = rows.at(-1);
  const next_cursor =
    result.rows.length > input.limit && last !== undefined ? encodeCursor({ s: input.sort, o: order, k: last.cursor_key, id: last.task.id }) : null;
  return { data: rows.map((row) => presentTask(row.task)), next_cursor };
}
