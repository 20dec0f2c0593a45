/**
 * Our side: the queue in schema `queue` (supabase/migrations/20261202100000_job_queues.sql),
 * diagnostic queue `probe`. Sends go straight through postgres.js (`select queue.send(...)`, no
 * wrapper transaction), drains through the repo's own worker `drain()` (shared/jobs/worker.ts),
 * whose pool run.ts points at the direct port before the worker is first imported.
 */
import postgres from "postgres";
import { z } from "zod";
import { defineQueue } from "../../shared/jobs/define.ts";
import { OUR_QUEUE } from "./config.ts";
import { timedConcurrent } from "./measure.ts";

export type Sql = postgres.Sql;

/** A plain postgres.js pool on the direct port, set up like the repo's (prepare: false). */
export function openSql(url: string, max: number): Sql {
  return postgres(url, {
    max,
    prepare: false,
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: "bench-jobs" },
  });
}

/** The worker, imported on first use: its module reads the env (the pool's URL) when loaded. */
const worker = () => import("../../shared/jobs/worker.ts");

/** The probe queue with a no-op handler and no payload check: only the queue is measured. */
const noop = defineQueue({
  name: OUR_QUEUE,
  payload: z.unknown(),
  handler: () => Promise.resolve(null),
});

/** Drops every probe job of earlier runs (live and archived) so each round starts the same. */
export async function cleanOurs(sql: Sql): Promise<void> {
  await sql`delete from queue.jobs where queue = ${OUR_QUEUE}`;
  await sql`delete from queue.archive where queue = ${OUR_QUEUE}`;
  await sql.unsafe("vacuum (analyze) queue.jobs, queue.archive");
}

/**
 * One send, as the brief's `select queue.send('probe', $1)`. The payload goes as text and is
 * cast (shared/db/rows.ts `jsonb`): a string bound to a jsonb parameter would be JSON-encoded
 * by postgres.js a second time.
 */
export function sendOurs(sql: Sql, run: string, i: number) {
  return sql`select queue.send(${OUR_QUEUE}, ${JSON.stringify({ run, i })}::text::jsonb)`;
}

/** `total` single-job sends from `clients` loops; returns seconds. */
export function enqueueOurs(sql: Sql, run: string, total: number, clients: number) {
  return timedConcurrent(total, clients, (i) => sendOurs(sql, run, i));
}

/** Pre-enqueues `n` jobs for a drain in one statement (not timed). */
export async function preloadOurs(sql: Sql, run: string, n: number): Promise<void> {
  await sql`
    select count(queue.send(${OUR_QUEUE}, jsonb_build_object('run', ${run}::text, 'i', g)))
      from generate_series(0, ${n - 1}::int) g`;
  await sql.unsafe("vacuum (analyze) queue.jobs");
}

export interface OurDrain {
  seconds: number;
  claimed: number;
  succeeded: number;
  other: number;
}

/**
 * `workers` concurrent drain() calls (as `workers` function invocations would run) with a no-op
 * handler, no linger: each returns at its first empty read, so the time ends with the last job.
 */
export async function drainOurs(
  workers: number,
  batch: number,
  concurrency: number,
): Promise<OurDrain> {
  const { drain } = await worker();
  const started = performance.now();
  const reports = await Promise.all(
    Array.from({ length: workers }, () =>
      drain([noop], {
        budgetMs: 600_000,
        batch,
        concurrency,
        pollMs: 100,
        lingerMs: 0,
        queues: [OUR_QUEUE],
      })),
  );
  const seconds = (performance.now() - started) / 1000;
  const sum = (k: "claimed" | "succeeded") => reports.reduce((a, r) => a + r[k], 0);
  const other = reports.reduce(
    (a, r) => a + r.retried + r.dead + r.released + r.superseded + r.lost + r.errors,
    0,
  );
  return { seconds, claimed: sum("claimed"), succeeded: sum("succeeded"), other };
}

/** The probe jobs of `run`: archived (by state, and how many took more than one attempt), live. */
export async function countOurs(sql: Sql, run: string) {
  const [row] = await sql<
    { succeeded: number; other: number; retried: number; distinct_i: number; live: number }[]
  >`
    select count(*) filter (where state = 'succeeded')::int as succeeded,
           count(*) filter (where state <> 'succeeded')::int as other,
           count(*) filter (where attempts <> 1)::int as retried,
           count(distinct payload ->> 'i')::int as distinct_i,
           (select count(*)::int from queue.jobs
             where queue = ${OUR_QUEUE} and payload ->> 'run' = ${run}) as live
      from queue.archive where queue = ${OUR_QUEUE} and payload ->> 'run' = ${run}`;
  return row;
}

/** How many probe jobs of `run` were sent (live or archived). */
export async function sentOurs(sql: Sql, run: string): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`
    select (select count(*) from queue.jobs
             where queue = ${OUR_QUEUE} and payload ->> 'run' = ${run})
         + (select count(*) from queue.archive
             where queue = ${OUR_QUEUE} and payload ->> 'run' = ${run}) as n`;
  return Number(n);
}

/** Enqueue → start (started_at − created_at, the database's clock) of each job of `run`. */
export async function startDelaysOurs(sql: Sql, run: string): Promise<number[]> {
  const rows = await sql<{ ms: number }[]>`
    select extract(epoch from started_at - created_at)::float8 * 1000 as ms
      from queue.archive
     where queue = ${OUR_QUEUE} and payload ->> 'run' = ${run} and started_at is not null`;
  return rows.map((r) => r.ms);
}

/** A running latency worker: `stop()` ends it and resolves once it is idle. */
export interface LatencyWorker {
  setup: string;
  stop(): Promise<void>;
}
