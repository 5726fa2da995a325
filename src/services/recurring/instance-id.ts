import { sql, type SQL } from "drizzle-orm";

/**
 * The id of a template's instance for one occurrence, known before the instance exists (docs/recurring.md
 * `next_instance`): a name-based UUIDv8 (RFC 9562 §5.8) – SHA-256 of `<template id>@<occurrence, RFC 3339
 * UTC with milliseconds>`, version and variant bits set. A completion answers the id of the instance the queue
 * will create, every redelivery of the generate message inserts that same id (the unique
 * (template_id, occurrence_at) index makes a second insert a no-op), and reads compute it in SQL
 * (`instanceIdSql`) – the same function in both places, tested to agree.
 */
export async function instanceId(templateId: string, occurrenceAt: Date | string): Promise<string> {
  const name = new TextEncoder().encode(`${templateId.toLowerCase()}@${new Date(occurrenceAt).toISOString()}`);
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", name)).slice(0, 16);
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x80;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...hash].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `instanceId` in SQL, for the id of an instance being generated in a read (null occurrence → null). */
export function instanceIdSql(templateId: SQL, occurrenceAt: SQL): SQL {
  return sql`(select (substr(x.h, 1, 12) || '8' || substr(x.h, 14, 3) || to_hex((get_byte(x.b, 8) & 63) | 128) || substr(x.h, 19, 14))::uuid
    from (select d.b, encode(d.b, 'hex') as h from (select sha256(convert_to(lower((${templateId})::text) || '@'
      || to_char((${occurrenceAt}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'UTF8')) as b) d) x
    where (${occurrenceAt}) is not null)`;
}
