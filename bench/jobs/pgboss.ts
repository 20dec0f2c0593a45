/**
 * The peer: pg-boss (pinned in import_map.json) on the same Postgres, in a schema of its own
 * (`pgboss`, created by boss.start() and dropped before and after the run, so every run starts
 * from an empty install). Its queues keep pg-boss's defaults (retries, expiry, the shared
 * job_common table); only its cron scheduler is off, since neither side uses one.
 */
import { PgBoss } from "pg-boss";
import { BOSS_MIN_POLL_S, BOSS_NOTIFY_QUEUE, BOSS_QUEUE, BOSS_SCHEMA } from "./config.ts";
import { timedConcurrent } from "./measure.ts";
import type { LatencyWorker, Sql } from "./ours.ts";

export type Boss = PgBoss;

/** The pinned version, read from import_map.json so the report cannot drift from the pin. */
export async function bossVersion(): Promise<string> {
  const map = JSON.parse(
    await Deno.readTextFile(new URL("../../import_map.json", import.meta.url)),
  ) as { imports: Record<string, string> };
  return /@([^/]+)$/.exec(map.imports["pg-boss"] ?? "")?.[1] ?? "unknown";
}

export async function dropBossSchema(sql: Sql): Promise<void> {
  await sql.unsafe(`drop schema if exists ${BOSS_SCHEMA} cascade`);
}

/**
 * A started pg-boss with a pool of `max` connections and the two probe queues; `listen` turns
 * on its LISTEN/NOTIFY wake-ups (one more, dedicated connection).
 */
export async function startBoss(url: string, max: number, listen = false): Promise<Boss> {
  const boss = new PgBoss({
    connectionString: url,
    schema: BOSS_SCHEMA,
    max,
    application_name: "bench-jobs-pgboss",
    schedule: false,
    useListenNotify: listen,
  });
  // pg-boss emits its errors as events; unhandled, an EventEmitter "error" would end the process.
  boss.on("error", (error) => console.error(`pg-boss error: ${error?.message ?? error}`));
  await boss.start();
  await boss.createQueue(BOSS_QUEUE).catch(ignoreExists);
  await boss.createQueue(BOSS_NOTIFY_QUEUE, { notify: true }).catch(ignoreExists);
  return boss;
}

function ignoreExists(error: unknown) {
  if (!/exist/i.test(String(error))) throw error;
}

/** Removes the probe jobs of earlier rounds; the same vacuum as our side gets. */
export async function cleanBoss(sql: Sql): Promise<void> {
  await sql.unsafe(`delete from ${BOSS_SCHEMA}.job where name like 'probe%'`);
  await sql.unsafe(`vacuum (analyze) ${await bossTables(sql)}`);
}

/** pg-boss's job tables (the partitioned parent's partitions) as one vacuum list. */
async function bossTables(sql: Sql): Promise<string> {
  const rows = await sql<{ t: string }[]>`
    select format('%I.%I', n.nspname, c.relname) as t
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
      join pg_namespace n on n.oid = c.relnamespace
     where i.inhparent = ${`${BOSS_SCHEMA}.job`}::regclass`;
  return rows.map((r) => r.t).join(", ") || `${BOSS_SCHEMA}.job`;
}

/** `total` single-job boss.send() calls from `clients` loops; returns seconds. */
export function enqueueBoss(boss: Boss, run: string, total: number, clients: number) {
  return timedConcurrent(total, clients, (i) => boss.send(BOSS_QUEUE, { run, i }));
}

/** Pre-enqueues `n` jobs with boss.insert in chunks (not timed). */
export async function preloadBoss(boss: Boss, sql: Sql, run: string, n: number): Promise<void> {
  for (let from = 0; from < n; from += 1_000) {
    const chunk = Array.from({ length: Math.min(1_000, n - from) }, (_, k) => ({
      data: { run, i: from + k },
    }));
    await boss.insert(BOSS_QUEUE, chunk);
  }
  await sql.unsafe(`vacuum (analyze) ${await bossTables(sql)}`);
}

/**
 * `workers` loops of fetch(batch) + complete(ids): what boss.work() does per batch, without its
 * polling delay between batches, so the time ends with the last job.
 */
export async function drainBoss(boss: Boss, workers: number, batch: number) {
  let fetched = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (true) {
      const jobs = await boss.fetch(BOSS_QUEUE, { batchSize: batch });
      if (!jobs.length) return;
      fetched += jobs.length;
      await boss.complete(BOSS_QUEUE, jobs.map((j) => j.id));
    }
  }));
  return { seconds: (performance.now() - started) / 1000, claimed: fetched };
}

/** The jobs of `run` in `queue` by state, how many took more than one attempt, distinct `i`. */
export async function countBoss(sql: Sql, run: string, queue = BOSS_QUEUE) {
  const [row] = await sql.unsafe<
    { completed: number; other: number; retried: number; distinct_i: number }[]
  >(
    `select count(*) filter (where state = 'completed')::int as completed,
            count(*) filter (where state <> 'completed')::int as other,
            count(*) filter (where retry_count <> 0)::int as retried,
            count(distinct data ->> 'i')::int as distinct_i
       from ${BOSS_SCHEMA}.job where name = $1 and data ->> 'run' = $2`,
    [queue, run],
  );
  return row;
}

/** Enqueue → start (started_on − created_on, the database's clock) of each job of `run`. */
export async function startDelaysBoss(sql: Sql, run: string, queue: string): Promise<number[]> {
  const rows = await sql.unsafe<{ ms: number }[]>(
    `select extract(epoch from started_on - created_on)::float8 * 1000 as ms
       from ${BOSS_SCHEMA}.job
      where name = $1 and data ->> 'run' = $2 and started_on is not null`,
    [queue, run],
  );
  return rows.map((r) => r.ms);
}

/**
 * boss.work() on `queue` with a no-op handler: one worker loop, `batch` jobs per fetch, polling
 * as often as pg-boss allows (0.5 s). On the notify queue (with a LISTEN boss) a send wakes it
 * and the poll is only the backstop.
 */
export async function startBossWorker(
  boss: Boss,
  queue: string,
  batch: number,
  listen: boolean,
): Promise<LatencyWorker> {
  await boss.work(queue, {
    batchSize: batch,
    localConcurrency: 1,
    pollingIntervalSeconds: BOSS_MIN_POLL_S,
  }, () => Promise.resolve());
  return {
    setup: `boss.work(): 1 worker loop, batchSize ${batch}, ` +
      (listen
        ? "useListenNotify + queue notify: true (each send's NOTIFY wakes the worker; between " +
          "wake-ups it polls every notifyPollingIntervalSeconds, default 30 s)"
        : `pollingIntervalSeconds ${BOSS_MIN_POLL_S} (pg-boss's minimum), no LISTEN/NOTIFY`),
    stop: () => boss.offWork(queue, { wait: true }),
  };
}
