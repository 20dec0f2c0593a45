/**
 * Cache key and tag builders: the ONE place keys are spelled, so a reader and a writer of the
 * same data can never disagree about a key.
 */
import { sha256Hex } from "../hash.ts";

/**
 * Bumped whenever the shape of cached values changes. It is folded into every Redis key
 * (`crew:v1:...`), so a deploy never reads entries written by older code.
 */
export const CACHE_SCHEMA_VERSION = 1;

/** What may go into a key: ids, flags and filter values. */
export type KeyPart = string | number | boolean | null | undefined;

function part(value: KeyPart): string {
  if (value === null || value === undefined) return "_";
  // Encoding keeps ':' (the separator) out of user-supplied parts.
  return encodeURIComponent(String(value));
}

/** `cacheKey("project", id)` → `project:<id>`; `cacheKey("project", id, "stats")` → `project:<id>:stats`. */
export function cacheKey(kind: string, ...parts: KeyPart[]): string {
  return [kind, ...parts.map(part)].join(":");
}

/**
 * A key for a list or search result: the filter object becomes a stable, sorted query string,
 * so `{status, page}` and `{page, status}` share one entry.
 * `listKey("projects", { status: "active", page: 1 })` → `projects:list:page=1&status=active`.
 */
export function listKey(kind: string, params: Record<string, KeyPart | KeyPart[]> = {}): string {
  const query = Object.keys(params)
    .filter((k) => params[k] !== undefined)
    .sort()
    .map((k) => {
      const v = params[k];
      return `${part(k)}=${Array.isArray(v) ? v.map(part).join(",") : part(v as KeyPart)}`;
    })
    .join("&");
  return `${kind}:list:${query}`;
}

/**
 * A key kept once per visibility scope: `scopedKey(listKey("projects", q), "manager:<id>")`.
 * The scope goes last, behind a separator no encoded part contains.
 */
export function scopedKey(key: string, scope: string): string {
  return `${key}@${part(scope)}`;
}

/**
 * A list key for a query that may hold personal data (an IC number searched for): the same
 * sorted query string as `listKey`, but only its SHA-256 goes into the key.
 */
export async function privateListKey(
  kind: string,
  params: Record<string, KeyPart | KeyPart[]> = {},
): Promise<string> {
  const query = listKey(kind, params).slice(`${kind}:list:`.length);
  // The first 16 bytes of the digest are plenty to tell queries apart.
  return `${kind}:list:h=${(await sha256Hex(query)).slice(0, 32)}`;
}

/** The tag of one row: `cacheTag("project", id)` → `project:<id>`. */
export function cacheTag(kind: string, id: KeyPart): string {
  return `${kind}:${part(id)}`;
}

/**
 * Tags that cross functions: `payments`, `claims` and staff writes drop `project:<id>` so the
 * project's financial stats are fresh in `projects`; payments and assignments drop
 * `candidate:<id>` for the candidate's earnings and assignments in `candidates`.
 */
export const projectTag = (id: KeyPart): string => cacheTag("project", id);
export const candidateTag = (id: KeyPart): string => cacheTag("candidate", id);

/** The tag every list of a kind carries: `listTag("projects")` → `projects:list`. */
export function listTag(kind: string): string {
  return `${kind}:list`;
}

/**
 * Tags for a list entry: the list tag plus one tag per contained row, so changing any row
 * (invalidating `project:<id>`) or the set of rows (invalidating `projects:list`) drops the list.
 * Use as `tags: (rows) => rowTags("project", rows, listTag("projects"))`.
 */
export function rowTags<R extends Record<string, unknown>>(
  kind: string,
  rows: readonly R[],
  ...extra: string[]
): string[] {
  return [...extra, ...rows.map((r) => cacheTag(kind, r.id as KeyPart))];
}
