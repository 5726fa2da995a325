import { z } from "zod";
import { ValidationFailed } from "../errors/api-error";

/**
 * Opaque keyset-pagination cursors (docs/tasks.md "opaque cursor"): base64url of a small JSON document holding the
 * position after the last row served – the values of the sort key and the row id (the tie-breaker), plus
 * whatever the listing needs to check that the cursor belongs to it (e.g. the sort and order).
 *
 * Keyset, not offset: the next page is "rows strictly after (key, id) in the listing's order", so rows
 * inserted or deleted meanwhile never shift a page (no duplicates, no skipped rows). The values are kept
 * as the database's own text of the key (microseconds included), never a rounded JS Date.
 *
 * A cursor is validated against the listing's schema on the way in; anything that does not decode or does
 * not fit answers 400 VALIDATION_ERROR (field `cursor`), so a tampered cursor can never reach SQL as an
 * unchecked value. Tampering can only move the position within the caller's own rows.
 */
export function encodeCursor(position: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(position));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const BASE64URL = /^[A-Za-z0-9_-]{1,2048}$/;

export function decodeCursor<S extends z.ZodType>(raw: string, schema: S, field = "query.cursor"): z.output<S> {
  const invalid = () => new ValidationFailed([{ field, reason: "Not a cursor returned by this listing." }]);
  if (!BASE64URL.test(raw)) throw invalid();
  let parsed: unknown;
  try {
    const binary = atob(raw.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw invalid();
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw invalid();
  return result.data;
}

/** A Postgres timestamptz as text or JSON (`2026-03-01 09:00:00.123456+00`, `…T…+00:00`), as cursors carry it. */
export const cursorTimestamp = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)$/)
  .refine((value) => !Number.isNaN(new Date(value.replace(" ", "T").replace(/([+-]\d{2})$/, "$1:00")).getTime()));

export const cursorId = z.uuid();
