import { sql, type SQL } from "drizzle-orm";
import type { ServiceContext } from "./context";
import type { StoredResponse } from "./idempotency/types";

/**
 * Integers of a write's response that only its commit batch can decide (`WriteUnit.bindInteger`, see
 * docs/write-protocol.md "Responses that depend on what the batch decided").
 */
export interface Binding {
  field: string;
  placeholder: number;
  expression: SQL;
  resolve(value: number): void;
}

/**
 * The last statement of a batch with bindings: evaluates each binding's expression after the write's own
 * statements and, when the request has an Idempotency-Key, rewrites the stored body with the decided numbers
 * spliced in where the placeholders stand (`"field":placeholder` can only occur as a real key-value pair: a
 * quote inside a JSON string is escaped).
 */
export function bindingStatement(ctx: ServiceContext, bindings: readonly Binding[], response: StoredResponse) {
  if (bindings.length === 0) return undefined;
  const values = sql.join(
    bindings.map((binding, index) => sql`(${binding.expression})::bigint as ${sql.raw(`b${index}`)}`),
    sql`, `,
  );
  const scope = ctx.idempotency;
  if (!scope) return ctx.db.execute(sql`select ${values}`);
  const parts: SQL[] = [];
  let rest = response.body;
  bindings.forEach((binding, index) => {
    const marker = `"${binding.field}":${binding.placeholder}`;
    const at = rest.indexOf(marker);
    if (at < 0) throw new Error(`binding ${binding.field} is not in the response`);
    parts.push(sql`${rest.slice(0, at + binding.field.length + 3)}::text`, sql`${sql.raw(`v.b${index}`)}::text`);
    rest = rest.slice(at + marker.length);
  });
  parts.push(sql`${rest}::text`);
  return ctx.db.execute(sql`
    with v as (select ${values}),
    stored as (
      update idempotency_records set response_body = ${sql.join(parts, sql` || `)}
      from v where user_id = ${scope.userId} and key = ${scope.key}
      returning 1)
    select v.*, (select count(*) from stored) as stored from v`);
}

export function resolveBindings(bindings: readonly Binding[], result: unknown): void {
  const rows: unknown = typeof result === "object" && result !== null && "rows" in result ? result.rows : undefined;
  const row: unknown = Array.isArray(rows) ? rows[0] : undefined;
  const values = new Map(typeof row === "object" && row !== null ? Object.entries(row) : []);
  bindings.forEach((binding, index) => {
    const value = values.get(`b${index}`);
    if (value === undefined || value === null) throw new Error(`binding ${binding.field} was not decided by the batch`);
    binding.resolve(Number(value));
  });
}
