/**
 * Issue 9.2: the invalidation of an acknowledged write survives its writer. Writer A changes a
 * row while Redis hangs (its invalidation cannot get through), and A's process is killed before
 * Redis is back. Reader B, and reader C which never saw the outage, must stop seeing the old
 * value within CACHE_STALE_BOUND_MS + the replay bound of Redis answering again — the outbox row
 * A's transaction wrote is what tells them.
 */
import assert from "node:assert/strict";
import { setupSchema, withAdmin } from "../db/fixtures.ts";
import { DisposableRedis, sleep, testNamespace } from "../cache/fixtures/redis.ts";
import { WorkerProcess } from "../cache/fixtures/worker-process.ts";

const worker = (env: Record<string, string>) =>
  new WorkerProcess(new URL("./fixtures/outbox-worker.ts", import.meta.url), env);

const STALE_BOUND_MS = 500;
const REPLAY_INTERVAL_MS = 300;
const BOUND_MS = STALE_BOUND_MS + 2 * REPLAY_INTERVAL_MS + 1000;

Deno.test("a write's invalidation outlives its writer: no reader sees the old row past the bound", async () => {
  const id = crypto.randomUUID();
  await setupSchema(`
    create table if not exists dbtest.outbox_rows (id uuid primary key, value text not null);
    insert into dbtest.outbox_rows values ('${id}', 'v0');`);
  const redis = await new DisposableRedis().start();
  const namespace = testNamespace();
  const env = {
    ...Deno.env.toObject(),
    UPSTASH_REDIS_REST_URL: redis.url,
    UPSTASH_REDIS_REST_TOKEN: redis.token,
    CACHE_NAMESPACE: namespace,
    CACHE_STALE_BOUND_MS: String(STALE_BOUND_MS),
    CACHE_REPLAY_INTERVAL_MS: String(REPLAY_INTERVAL_MS),
    CACHE_L2_TIMEOUT_MS: "200",
    CACHE_BREAKER_THRESHOLD: "1",
    // Today's unsupervised breaker would let reads back into Redis after this long.
    CACHE_BREAKER_OPEN_MS: "300",
    OUTBOX_ROW_ID: id,
  };
  const a = worker(env);
  const b = worker(env);
  let c: WorkerProcess | undefined;
  try {
    assert.deepEqual(await a.ask({ op: "read" }), { value: "v0", source: "loader" });
    assert.deepEqual(await b.ask({ op: "read" }), { value: "v0", source: "l2" });

    redis.pause(); // Redis keeps its data but answers nothing: A's invalidation times out
    assert.deepEqual(await a.ask({ op: "write", value: "v1" }), { ok: true });
    assert.equal(
      (await a.ask<{ pendingInvalidations: number }>({ op: "stats" })).pendingInvalidations,
      1,
    );
    await a.kill();
    const [{ n }] = await withAdmin((sql) =>
      sql`select count(*)::int as n from private.cache_invalidations where namespace = ${`${namespace}:v1:`}`
    );
    assert.equal(n, 1, "the write left its invalidation in the outbox");

    await sleep(STALE_BOUND_MS + 100);
    redis.resume();
    const backAt = performance.now();
    c = worker(env); // an isolate that never saw the outage

    const reads: { at: number; worker: string; value: unknown }[] = [];
    while (performance.now() - backAt < BOUND_MS + 2000) {
      for (const [name, w] of [["b", b], ["c", c]] as const) {
        const { value } = await w.ask<{ value: unknown }>({ op: "read" });
        reads.push({ at: performance.now() - backAt, worker: name, value });
      }
      await sleep(50);
    }
    const late = reads.filter((r) => r.value !== "v1" && r.at > BOUND_MS);
    assert.deepEqual(late, [], `stale reads past ${BOUND_MS} ms`);
    assert.ok(reads.some((r) => r.worker === "c" && r.value === "v1"));

    const [{ left }] = await withAdmin((sql) =>
      sql`select count(*)::int as left from private.cache_invalidations where namespace = ${`${namespace}:v1:`}`
    );
    assert.equal(left, 0, "the replayed row was deleted");
  } finally {
    await a.kill();
    await b.close();
    await c?.close();
    await redis.close();
  }
});
