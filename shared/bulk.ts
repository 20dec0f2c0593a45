/**
 * Multi-row inserts. The wire protocol counts bind parameters in 16 bits and postgres.js refuses
 * 65,534 or more, so a 20k-row import of 5 columns (100k parameters) must be split; each chunk is
 * one `insert … values (…), (…)` statement, all inside the caller's transaction.
 */
import type postgres from "postgres";

/** Parameters per statement we stay under (postgres.js: "Max number of parameters (65534)"). */
export const MAX_PARAMETERS = 65_534;

/** Splits `rows` so that each chunk has fewer than `MAX_PARAMETERS` bound values. */
export function chunk<T>(
  rows: readonly T[],
  columnsPerRow: number,
  maxParameters = MAX_PARAMETERS,
): T[][] {
  if (!Number.isInteger(columnsPerRow) || columnsPerRow < 1) {
    throw new Error("columnsPerRow must be ≥ 1");
  }
  const size = Math.max(1, Math.floor((maxParameters - 1) / columnsPerRow));
  const out: T[][] = [];
  for (let at = 0; at < rows.length; at += size) out.push(rows.slice(at, at + size));
  return out;
}

export interface BulkInsertOptions<C extends string> {
  /** Columns to return from every inserted row (`true`: all columns). */
  returning?: readonly string[] | true;
  /**
   * `"ignore"`: on conflict do nothing. `{ target, update }`: upsert on the `target` columns,
   * overwriting `update` columns (default: every inserted column not in `target`).
   */
  onConflict?: "ignore" | { target: readonly C[]; update?: readonly C[] };
}

/**
 * Inserts `rows` into `table` (`schema.table` allowed) in as few statements as the parameter
 * limit allows. Only `columns` are read from each row; a missing value is sent as NULL. Returns
 * the `returning` rows of all chunks in order (empty without `returning`).
 */
export async function bulkInsert<R extends Record<string, unknown>, C extends keyof R & string>(
  tx: postgres.Sql,
  table: string,
  rows: readonly R[],
  columns: readonly C[],
  options: BulkInsertOptions<C> = {},
): Promise<postgres.Row[]> {
  if (columns.length === 0) throw new Error("bulkInsert needs at least one column");
  const conflict = conflictClause(tx, columns, options.onConflict);
  const returning = options.returning === true
    ? tx`returning *`
    : options.returning?.length
    ? tx`returning ${tx([...options.returning] as string[])}`
    : tx``;
  const out: postgres.Row[] = [];
  for (const part of chunk(rows, columns.length)) {
    // postgres.js turns undefined into an error; NULL is what a missing optional column means.
    const values = part.map((row) => Object.fromEntries(columns.map((c) => [c, row[c] ?? null])));
    const inserted = await tx`insert into ${tx(table)} ${
      tx(values, [...columns] as string[])
    } ${conflict} ${returning}`;
    out.push(...inserted);
  }
  return out;
}

function conflictClause<C extends string>(
  tx: postgres.Sql,
  columns: readonly C[],
  onConflict: BulkInsertOptions<C>["onConflict"],
): postgres.PendingQuery<postgres.Row[]> {
  if (!onConflict) return tx``;
  if (onConflict === "ignore") return tx`on conflict do nothing`;
  const target: string[] = [...onConflict.target];
  const update: string[] = [...(onConflict.update ?? columns.filter((c) => !target.includes(c)))];
  if (update.length === 0) return tx`on conflict (${tx(target)}) do nothing`;
  // Fragments are joined with spaces, so each one after the first carries its own comma.
  const sets = update.map((c, i) =>
    i === 0 ? tx`${tx(c)} = excluded.${tx(c)}` : tx`, ${tx(c)} = excluded.${tx(c)}`
  );
  return tx`on conflict (${tx(target)}) do update set ${sets}`;
}
