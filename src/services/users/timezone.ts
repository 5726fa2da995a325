/**
 * IANA time zone validation with the runtime's own tz database (docs/identity.md: `timezone` a valid IANA zone).
 * `Intl.DateTimeFormat` throws a RangeError for an unknown zone. Fixed offsets like "+02:00" are refused on
 * purpose: a user's zone must follow daylight-saving changes, which an offset cannot.
 *
 * Returns the zone to store, or undefined if invalid. Only the letter case is normalised
 * ("europe/berlin" → "Europe/Berlin"); a valid name is otherwise kept as given, because ICU "canonicalises"
 * current IANA names to legacy CLDR ones (Asia/Kolkata → Asia/Calcutta).
 */
export function canonicalTimeZone(zone: string): string | undefined {
  if (zone.length === 0 || zone.length > 64 || /^[+-]/.test(zone)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
}
