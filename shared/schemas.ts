/**
 * zod building blocks shared by every function's routes: the same schemas validate requests and
 * feed the OpenAPI documents. Objects are strict (unknown fields are rejected), money is a
 * decimal string, dates are ISO `YYYY-MM-DD`, ids are UUIDs.
 */
import { z } from "@hono/zod-openapi";

/** Money as a decimal string with at most 2 decimals, e.g. "1250.50". Never a JSON number. */
export const Money = z.string()
  .regex(/^\d{1,10}(\.\d{1,2})?$/, 'Use a decimal string with at most 2 decimals, e.g. "120.50"')
  .openapi({ example: "120.50" });

/** Money that must be above zero. */
export const PositiveMoney = Money.refine((v) => Number(v) > 0, "Must be greater than 0");

/**
 * What a spreadsheet runs as a formula when a cell starts with it (CSV injection): `=`, `+`, `-`,
 * `@`, a tab or a carriage return. Text that lands in a file finance opens (bank files: holder
 * and bank name; payee names, payment references) may not start with one — refused, not
 * escaped, because a leading quote would change what the bank receives. The database holds the
 * same rule (`*_no_formula` checks) and the bank-file writer refuses to emit one.
 */
export const FORMULA_START = /^[=+\-@\t\r]/;

/** Trimmed text of `min`..`max` characters that does not start like a formula. */
export const CellText = (max: number, min = 1) =>
  z.string().trim().min(min).max(max).refine(
    (v) => !FORMULA_START.test(v),
    "Must not start with =, +, -, @, a tab or a carriage return (spreadsheets run it as a formula)",
  );

/** A calendar date `YYYY-MM-DD` that exists. */
export const IsoDate = z.iso.date().openapi({ example: "2026-11-26" });

// z.guid(), not z.uuid(): Postgres accepts any 8-4-4-4-12 hex id (the seed derives ids from md5),
// and an id the database stores must never be rejected as malformed.
export const Uuid = z.guid().openapi({ example: "00000000-0000-4000-a000-000000000001" });

/** A path parameter `{id}`. */
export const IdParam = z.strictObject({
  id: Uuid.openapi({ param: { name: "id", in: "path" } }),
});

/** `?limit=` (1..200, default 50) and the opaque `?cursor=` of keyset pagination (shared/cursor.ts). */
export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  // Long enough for any garbage to reach the cursor codec, which answers it as bad_request.
  cursor: z.string().max(4000).optional(),
};

/** A page of results; `next_cursor` is null on the last page. */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });

/** Masks an IC number for lists: only the last 4 digits stay, e.g. `******-**-1234`. */
export function maskIc(ic: string): string {
  return `******-**-${ic.slice(-4)}`;
}
