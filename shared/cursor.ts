/**
 * The one keyset cursor of every list. A cursor is opaque to clients (base64url JSON) and names
 * the listing it belongs to — list, sort column and direction — so a cursor of one listing is
 * refused by another; its sort value is checked against the column's type before it reaches
 * SQL. Anything that is not a cursor this API issued for this listing is a 400 `bad_request`.
 *
 * Sort values travel as TEXT at full precision (`created_at::text` keeps the microseconds) and
 * queries compare `$n::text::<type>`, so no value ever passes through a JS `Date` (milliseconds:
 * rows sharing a millisecond were skipped).
 */
import { badRequest } from "./errors.ts";

/** The SQL type of a listing's sort column, which decides what its cursor value may be. */
export type SortType = "timestamptz" | "date" | "text" | "real" | "none";

/** A listing: `{ list: "claims", sort: "created_at:desc", type: "timestamptz" }`. */
export interface Listing {
  list: string;
  sort: string;
  type: SortType;
}

/** A keyset position: the sort value of the last row and its id (the tie-breaker). */
export interface Position {
  v: string | null;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// What Postgres prints for timestamptz::text: `2026-12-01 20:03:12.123456+00` (offset may carry
// minutes, fraction may be absent).
const TIMESTAMPTZ =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)$/;
const REAL = /^(0|1|0?\.\d+|\d\.\d+(e-?\d+)?|\d(\.\d+)?e-\d+)$/;

function realDate(y: string, m: string, d: string): boolean {
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
}

/** Whether `v` is a value the listing's sort column can hold (as its text form). */
function valid(type: SortType, v: unknown): boolean {
  if (type === "none") return v === null;
  if (typeof v !== "string" || v.length > 400 || !v.isWellFormed() || v.includes("\0")) {
    return false;
  }
  switch (type) {
    case "text":
      return true;
    case "real":
      return REAL.test(v) && Number(v) >= 0 && Number(v) <= 1;
    case "date": {
      const m = DATE.exec(v);
      return !!m && realDate(m[1], m[2], m[3]);
    }
    case "timestamptz": {
      const m = TIMESTAMPTZ.exec(v);
      return !!m && realDate(m[1], m[2], m[3]) && Number(m[4]) < 24 && Number(m[5]) < 60 &&
        Number(m[6]) < 60;
    }
  }
}

const tag = (l: Listing) => `${l.list}:${l.sort}`;

/** The cursor of the page after the row at `position`. */
export function encodeCursor(listing: Listing, position: Position): string {
  const json = JSON.stringify({ l: tag(listing), v: position.v, id: position.id });
  const bytes = new TextEncoder().encode(json);
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The position in `raw`, null without a cursor; 400 `bad_request` for anything else. */
export function decodeCursor(listing: Listing, raw: string | undefined): Position | null {
  if (raw === undefined || raw === "") return null;
  const refuse = () => badRequest("Invalid cursor", { cursor: "Not a cursor of this listing" });
  if (raw.length > 1000 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw refuse();
  let parsed: unknown;
  try {
    const binary = atob(raw.replaceAll("-", "+").replaceAll("_", "/"));
    const json = new TextDecoder("utf-8", { fatal: true })
      .decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    parsed = JSON.parse(json);
  } catch {
    throw refuse();
  }
  const c = parsed as Record<string, unknown> | null;
  if (
    !c || typeof c !== "object" || Array.isArray(c) || Object.keys(c).length !== 3 ||
    c.l !== tag(listing) || typeof c.id !== "string" || !UUID.test(c.id) ||
    !valid(listing.type, c.v)
  ) throw refuse();
  return { v: c.v as string | null, id: c.id };
}

/**
 * A page of rows fetched as `limit + 1`: the rows to send and the next page's cursor, made from
 * the position of the last row sent.
 */
export function pageOf<R>(
  listing: Listing,
  rows: readonly R[],
  limit: number,
  position: (row: R) => Position,
): { rows: R[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : [...rows];
  const last = page.at(-1);
  return {
    rows: page,
    next_cursor: more && last !== undefined ? encodeCursor(listing, position(last)) : null,
  };
}

/** The position of a row that carries its sort value as `_sort_key` (text, full precision). */
export const bySortKey = (row: { _sort_key: string | null; id: string }): Position => ({
  v: row._sort_key,
  id: row.id,
});
