import assert from "node:assert/strict";
import { byIdLoader, createLoader, loadByIds } from "../../shared/loader.ts";
import { setupSchema, testDb, uuid, withAdmin } from "./db-fixtures.ts";

Deno.test("loads of one tick become one deduplicated batch, answered in key order", async () => {
  const calls: string[][] = [];
  const loader = createLoader<string, string>((keys) => {
    calls.push(keys);
    return Promise.resolve(keys.map((k) => (k.startsWith("miss") ? null : k.toUpperCase())));
  });
  const results = await Promise.all(["a", "b", "a", "miss1", "c", "b"].map((k) => loader.load(k)));
  assert.deepEqual(results, ["A", "B", "A", null, "C", "B"]);
  assert.deepEqual(calls, [["a", "b", "miss1", "c"]]);

  // Memoized: a later tick asks only for what it has not seen.
  assert.deepEqual(await loader.loadMany(["a", "d"]), ["A", "D"]);
  assert.deepEqual(calls[1], ["d"]);
  loader.clear("a");
  await loader.load("a");
  assert.deepEqual(calls[2], ["a"]);
});

Deno.test("loads issued from promise callbacks of the same tick still join the batch", async () => {
  let batches = 0;
  const loader = createLoader<number, number>((keys) => {
    batches++;
    return Promise.resolve(keys.map((k) => k * 2));
  });
  const viaMicrotasks = [1, 2, 3].map((k) => Promise.resolve().then(() => loader.load(k)));
  assert.deepEqual(await Promise.all(viaMicrotasks), [2, 4, 6]);
  assert.equal(batches, 1);
});

Deno.test("maxBatch splits a batch; errors reject only what they concern", async () => {
  const sizes: number[] = [];
  const loader = createLoader<number, number>((keys) => {
    sizes.push(keys.length);
    if (keys.includes(99)) return Promise.reject(new Error("batch failed"));
    return Promise.resolve(keys.map((k) => (k === 3 ? new Error("bad key 3") : k)));
  }, { maxBatch: 2 });
  const settled = await Promise.allSettled([1, 2, 3, 4, 5].map((k) => loader.load(k)));
  assert.deepEqual(sizes, [2, 2, 1]);
  assert.deepEqual(settled.map((s) => s.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
    "fulfilled",
  ]);
  await assert.rejects(loader.load(99), /batch failed/);

  const wrongLength = createLoader<number, number>(() => Promise.resolve([1]));
  await assert.rejects(Promise.all([wrongLength.load(1), wrongLength.load(2)]), /2 keys/);
});

Deno.test("a loader over a table issues ONE `= any($1::uuid[])` query for N loads", async () => {
  await setupSchema(`
    drop table if exists dbtest.loader_items;
    create table dbtest.loader_items (id uuid primary key, label text not null);
  `);
  const ids = Array.from({ length: 50 }, uuid);
  const missing = Array.from({ length: 10 }, uuid);
  await withAdmin(async (sql) => {
    await sql`create extension if not exists pg_stat_statements`;
    await sql`insert into dbtest.loader_items ${
      sql(ids.map((id, i) => ({ id, label: `item ${i}` })))
    }`;
  });
  // The migration installs the extension into `extensions` (as Supabase does); a bare database
  // has it in `public`. Ask where it lives instead of assuming.
  const callsOfLoaderQuery = () =>
    withAdmin(async (sql) => {
      const [{ schema }] = await sql`
        select n.nspname as schema from pg_extension e
        join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_stat_statements'`;
      return (await sql`
        select coalesce(sum(calls), 0)::int as calls from ${sql(schema)}.pg_stat_statements
        where query like '%"dbtest"."loader_items"%' and query like '%any($1::uuid[])%'`)[0].calls;
    });

  const db = testDb();
  try {
    const before = await callsOfLoaderQuery();
    const wanted = [...ids, ...missing, ids[0].toUpperCase()];
    const rows = await db.asServiceRole("loader test", (tx) => {
      const items = byIdLoader<{ id: string; label: string }>(tx, "dbtest.loader_items");
      return Promise.all(wanted.map((id) => items.load(id)));
    });
    assert.equal(await callsOfLoaderQuery(), before + 1, "N loads must cost one query");
    assert.deepEqual(
      rows.map((r) => r?.label ?? null),
      [...ids.map((_, i) => `item ${i}`), ...missing.map(() => null), "item 0"],
    );

    const direct = await db.asServiceRole(
      "loadByIds",
      (tx) => loadByIds(tx, "dbtest.loader_items", [missing[0], ids[1]]),
    );
    assert.deepEqual(direct.map((r) => r?.label ?? null), [null, "item 1"]);
    assert.equal(await callsOfLoaderQuery(), before + 2);
  } finally {
    await db.end();
  }
});
