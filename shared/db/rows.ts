/**
 * Turning database rows into the JSON the API sends, the same way everywhere: timestamps as
 * ISO strings (postgres.js parses them to `Date`), a LIKE pattern that means its characters, and
 * rows sent back as one jsonb parameter.
 */
import type { Sql } from "postgres";

/** A timestamp column as ISO text (`Date` from postgres.js, or text already). */
export function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** The same for a nullable column. */
export function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

/**
 * A row (or rows) as the JSON the cache stores and the API sends: Dates become ISO strings, so a
 * cache hit and a fresh row look alike.
 */
export function plain<T>(row: unknown): T {
  return JSON.parse(JSON.stringify(row)) as T;
}

/** `%q%` for ILIKE with `%`, `_` and `\` escaped, so a search for "50%" means the characters. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/**
 * Rows (or any JSON value) as ONE jsonb parameter, e.g. for `jsonb_to_recordset`: however many
 * rows, one bind value. Sent as text and cast, because postgres.js would JSON-encode a string
 * bound to a jsonb parameter a second time, and `sql.json` wants a `JSONValue`, which typed rows
 * (interfaces) are not without a cast.
 */
export function jsonb(sql: Sql, value: unknown) {
  return sql`${JSON.stringify(value)}::text::jsonb`;
}
