import { ValidationFailed } from "../errors/api-error";

/**
 * docs/conventions.md#patch-semantics helpers for PATCH-like writes.
 */

/**
 * The If-Match forms a version check reads: the entity tag `"3"` (RFC 9110), its weak form `W/"3"`, or a bare
 * `3` (tolerated), with optional blanks around it – quotes balanced, one version only. The routes publish this
 * very pattern in the OpenAPI document, so what a client validates against is what the check accepts.
 */
export const IF_MATCH_PATTERN = '^[\\t ]*(?:W/"\\d{1,9}"|"\\d{1,9}"|\\d{1,9})[\\t ]*$';
const ifMatchForm = new RegExp(IF_MATCH_PATTERN);

/**
 * The version the client saw, from the body's `version` or an `If-Match` header (`IF_MATCH_PATTERN`). Both given
 * and different → 400; a malformed header → 400. `required` makes a missing version a 400 too (PATCH); other
 * writes (complete, delete…) check it only when given.
 */
export function expectedVersion(input: { bodyVersion?: number | undefined; ifMatch?: string | undefined; required: true }): number;
export function expectedVersion(input: { bodyVersion?: number | undefined; ifMatch?: string | undefined; required: boolean }): number | undefined;
export function expectedVersion(input: { bodyVersion?: number | undefined; ifMatch?: string | undefined; required: boolean }): number | undefined {
  let header: number | undefined;
  if (input.ifMatch !== undefined) {
    const digits = ifMatchForm.test(input.ifMatch) ? /\d+/.exec(input.ifMatch)?.[0] : undefined;
    if (digits === undefined) throw new ValidationFailed([{ field: "header.if-match", reason: 'Must be the resource version, e.g. "3".' }]);
    header = Number(digits);
  }
  if (header !== undefined && input.bodyVersion !== undefined && header !== input.bodyVersion) {
    throw new ValidationFailed([{ field: "version", reason: "The body version and If-Match disagree." }]);
  }
  const version = input.bodyVersion ?? header;
  if (version === undefined && input.required) {
    throw new ValidationFailed([{ field: "version", reason: 'Required: send the version you read, in the body or as If-Match: "<version>".' }]);
  }
  return version;
}

/** A field diff for the activity log (docs/recovery-and-activity.md): `{field: {from, to}}` for the fields that really changed. */
export type FieldChanges = Record<string, { from: unknown; to: unknown }>;

export function diffFields<T extends object>(before: T, after: T, fields: readonly (keyof T & string)[]): FieldChanges {
  const changes: FieldChanges = {};
  for (const field of fields) {
    if (!sameValue(before[field], after[field])) changes[field] = { from: before[field] ?? null, to: after[field] ?? null };
  }
  return changes;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => item === b[index]);
  return (a ?? null) === (b ?? null);
}
