import assert from "node:assert/strict";
import { bulkInsert, chunk, MAX_PARAMETERS } from "../../shared/bulk.ts";
import { setupSchema, testDb, withAdmin } from "./db-fixtures.ts";

await setupSchema(`
  drop table if exists dbtest.bulk_rows;
  create table dbtest.bulk_rows (
    id int primary key,
    name text not null,
    amount numeric(12, 2) not null,
    active boolean,
    at timestamptz
  );
`);

const COLUMNS = ["id", "name", "amount", "active", "at"] as const;
const row = (id: number) => ({
  id,
  name: `row ${id}`,
  amount: `${id}.25`, // money travels as a decimal string, never a float
  active: id % 2 === 0,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, id % 60)),
});

Deno.test("chunk keeps every chunk under the parameter limit", () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => i);
  const parts = chunk(rows, 5);
  assert.equal(parts.length, 2);
  assert.deepEqual(parts.flat(), rows);
  for (const part of parts) assert.ok(part.length * 5 < MAX_PARAMETERS);
  assert.equal(parts[0].length, Math.floor((MAX_PARAMETERS - 1) / 5));
  assert.deepEqual(chunk([1, 2, 3], 1, 3), [[1, 2], [3]]);
  assert.deepEqual(chunk([], 4), []);
  assert.throws(() => chunk([1], 0));
});

Deno.test("bulkInsert of 20,000 rows × 5 columns (100,000 parameters) is chunked and completes", async () => {
  const db = testDb();
  try {
    const rows = Array.from({ length: 20_000 }, (_, i) => row(i + 1));
    const returned = await db.asServiceRole(
      "bulk test",
      (tx) => bulkInsert(tx, "dbtest.bulk_rows", rows, COLUMNS, { returning: ["id"] }),
      { statementTimeoutMs: 60_000 },
    );
    assert.equal(returned.length, 20_000);
    assert.deepEqual(returned.slice(0, 3).map((r) => r.id), [1, 2, 3]);
    const [stats] = await withAdmin((sql) =>
      sql`select count(*)::int as n, sum(amount)::text as total, count(*) filter (where active)::int as active
          from dbtest.bulk_rows`
    );
    assert.equal(stats.n, 20_000);
    // Σ(i + 0.25) for i = 1..20000 = 200010000 + 5000
    assert.equal(stats.total, "200015000.00");
    assert.equal(stats.active, 10_000);
  } finally {
    await db.end();
  }
});

Deno.test("bulkInsert on conflict: ignore skips existing rows, upsert updates them", async () => {
  const db = testDb();
  try {
    const ignored = await db.asServiceRole(
      "bulk ignore",
      (tx) =>
        bulkInsert(tx, "dbtest.bulk_rows", [row(1), row(2), row(30_001)], COLUMNS, {
          onConflict: "ignore",
          returning: ["id"],
        }),
    );
    assert.deepEqual(ignored.map((r) => r.id), [30_001]);

    const upserted = await db.asServiceRole("bulk upsert", (tx) =>
      bulkInsert(
        tx,
        "dbtest.bulk_rows",
        [{ ...row(1), name: "renamed", amount: "9.99" }, row(30_002)],
        COLUMNS,
        { onConflict: { target: ["id"], update: ["name"] }, returning: true },
      ));
    assert.deepEqual(upserted.map((r) => [r.id, r.name, r.amount]), [
      [1, "renamed", "1.25"],
      [30_002, "row 30002", "30002.25"],
    ]);
  } finally {
    await db.end();
  }
});
