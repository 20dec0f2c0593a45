/**
 * The job queue beside pg-boss, on the same Postgres (the stack's direct port for both), in one
 * process of its own (bench/lib/jobs.ts runs it after the peer, before any load):
 *
 *   deno run -A --config deno.json bench/jobs/run.ts [--quick] [--out result.json]
 *            [--log-dir dir]
 *
 * Needs the stack env (DB_DIRECT_URL, JWT_SECRET, ...). Phases: enqueue throughput, no-op drain
 * throughput (both in alternating rounds), enqueue → start latency at a steady rate (ours, then
 * pg-boss polling, then pg-boss woken by LISTEN/NOTIFY). Prints `BENCH_JOBS {...}` last on
 * stdout; exits 1 when a check failed (a job lost, drained twice or left behind) or a phase broke.
 *
 * Our latency runs through scripts/stack/scheduler.ts → gateway → the jobs function, as the
 * stack runs it.
 */
import { parseArgs } from "node:util";
import { ROOT } from "../lib/procs.ts";
import type { JobsResult } from "../lib/types.ts";
import { BOSS_NOTIFY_QUEUE, BOSS_QUEUE, jobsBenchConfig } from "./config.ts";
import { waitForCount } from "./measure.ts";
import { cleanOurs, drainOurs, enqueueOurs, openSql, preloadOurs, sendOurs } from "./ours.ts";
import {
  bossLatencyReads,
  type Check,
  type Ctx,
  latency,
  ourLatencyReads,
  throughput,
} from "./phases.ts";
import {
  bossVersion,
  cleanBoss,
  drainBoss,
  dropBossSchema,
  enqueueBoss,
  preloadBoss,
  startBoss,
  startBossWorker,
} from "./pgboss.ts";
import { startStackWorker } from "./stack-worker.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string" },
    "log-dir": { type: "string" },
  },
});
const started = performance.now();
const progress = (line: string) => console.error(`[jobs] ${line}`);
const direct = Deno.env.get("DB_DIRECT_URL");
if (!direct) throw new Error("DB_DIRECT_URL is not set: run with the stack env");
// The repo's worker takes its pool from DB_POOLER_URL (shared/config.ts, read when the worker is
// first imported): point it at the direct port, where pg-boss runs too.
Deno.env.set("DB_POOLER_URL", direct);
Deno.env.set("LOG_REQUESTS", "0");
const poolMax = Number(Deno.env.get("DB_POOL_MAX") || 10);
const config = jobsBenchConfig(args.quick!);
const logDir = args["log-dir"] ?? `${ROOT}/bench/results/tmp/jobs-logs`;

const sql = openSql(direct, Math.max(config.enqueue.clients, 2));
const checks: Check[] = [];
const notes: string[] = [];

// Another worker on this database would drain our probe jobs mid-measurement (bench/lib/jobs.ts
// stops the stack's own scheduler first): refuse rather than count its work as ours.
const [{ schedulers }] = await sql<{ schedulers: number }[]>`
  select count(*)::int as schedulers from pg_stat_activity
   where application_name = 'crew-scheduler' and datname = current_database()`;
if (schedulers > 0) {
  console.error(
    "[jobs] a scheduler (scripts/stack/scheduler.ts) is connected to this database and would " +
      "drain the probe jobs: stop it first (STACK_DIR=... bash scripts/stack.sh stop-scheduler)",
  );
  await sql.end();
  Deno.exit(2);
}

// A fresh start for both: our probe jobs of earlier runs gone, pg-boss's schema created anew.
await cleanOurs(sql);
await dropBossSchema(sql);
const boss = await startBoss(direct, poolMax);
const ctx: Ctx = {
  sql,
  boss,
  config,
  pools: { ours: Math.max(config.enqueue.clients, 2), pgBoss: poolMax },
  checks,
  progress,
};
const version = await bossVersion();
progress(`pg-boss ${version}; ${args.quick ? "quick" : "full"} sizes ${JSON.stringify(config)}`);

let result: JobsResult | null = null;
let broke: unknown = null;
try {
  // Warm-up, not recorded: connections opened, plans and the worker's modules loaded on both.
  await enqueueOurs(sql, "warmup", 50, config.enqueue.clients);
  await enqueueBoss(boss, "warmup", 50, config.enqueue.clients);
  await preloadOurs(sql, "warmup", 50);
  await preloadBoss(boss, sql, "warmup", 50);
  await drainOurs(config.drain.workers, config.drain.batch, config.drain.batch);
  await drainBoss(boss, config.drain.workers, config.drain.batch);

  const { enqueue, drain } = await throughput(ctx);

  // Latency: our worker as the stack runs it, then pg-boss's two setups.
  await cleanOurs(sql);
  await cleanBoss(sql);
  const ourWorker = await startStackWorker(Deno.env.toObject(), logDir);
  await settleOtherJobs();
  const ours = await latency(
    ctx,
    "ours",
    ourWorker,
    (run, i) => sendOurs(sql, run, i),
    ...reads(ourLatencyReads(sql)),
  );
  const pollWorker = await startBossWorker(boss, BOSS_QUEUE, config.latency.batch, false);
  const pgBoss = await latency(
    ctx,
    "pg-boss polling",
    pollWorker,
    (run, i) => boss.send(BOSS_QUEUE, { run, i }),
    ...reads(bossLatencyReads(sql, BOSS_QUEUE)),
  );
  // A second instance with the LISTEN connection: the wake-up path pg-boss offers past polling.
  const listening = await startBoss(direct, poolMax, true);
  let pgBossNotify;
  try {
    const notifyWorker = await startBossWorker(
      listening,
      BOSS_NOTIFY_QUEUE,
      config.latency.batch,
      true,
    );
    pgBossNotify = await latency(
      ctx,
      "pg-boss LISTEN/NOTIFY",
      notifyWorker,
      (run, i) => listening.send(BOSS_NOTIFY_QUEUE, { run, i }),
      ...reads(bossLatencyReads(sql, BOSS_NOTIFY_QUEUE)),
    );
  } finally {
    await listening.stop({ graceful: true, timeout: 5_000 });
  }
  notes.push(
    `Both queues on the same Postgres through DB_DIRECT_URL; drain() with the repo's pool ` +
      `(DB_POOL_MAX ${poolMax}), pg-boss with a pg pool of ${poolMax}. Before every ` +
      "measurement both sides' probe jobs are deleted and their tables vacuumed; pg-boss's " +
      "schema `pgboss` is created by boss.start() at the start and dropped at the end.",
  );
  result = {
    pgBossVersion: version,
    quick: args.quick!,
    enqueue,
    drain,
    latency: { ours, pgBoss, pgBossNotify },
    checks,
    notes,
    wallClockS: (performance.now() - started) / 1000,
  };
} catch (error) {
  broke = error;
  progress(`BROKE: ${error instanceof Error ? error.stack : error}`);
} finally {
  await boss.stop({ graceful: true, timeout: 5_000 }).catch(() => {});
  await dropBossSchema(sql).catch(() => {});
  await cleanOurs(sql).catch(() => {});
  await sql.end({ timeout: 5 });
  await import("../../shared/db/index.ts").then((db) => db.closeDb()).catch(() => {});
}

/**
 * The stack's function drains every queue: jobs the seed's writes left (report refreshes,
 * notifications) are let through first, so they do not share the batches being timed.
 */
async function settleOtherJobs() {
  const due = async () => {
    const [{ n }] = await sql<{ n: number }[]>`
      select count(*)::int as n from queue.jobs
       where state in ('queued', 'running') and run_at <= clock_timestamp()`;
    return n;
  };
  const before = await due();
  if (before === 0) return;
  const settled = await waitForCount(async () => -(await due()), 0, config.settleS * 2);
  notes.push(
    `Our latency phase began after the stack's worker drained the ${before} due job(s) of ` +
      `other queues already there${settled ? "" : ` (not all within ${config.settleS * 2} s)`}.`,
  );
}

function reads(
  r: { finished: (run: string) => Promise<number>; delays: (run: string) => Promise<number[]> },
) {
  return [r.finished, r.delays] as const;
}

const failed = checks.filter((c) => !c.ok);
progress(
  `${checks.length - failed.length}/${checks.length} checks passed in ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s`,
);
if (result) {
  const json = JSON.stringify(result);
  if (args.out) await Deno.writeTextFile(args.out, json + "\n");
  console.log(`BENCH_JOBS ${json}`);
}
Deno.exit(broke || failed.length || !result ? 1 : 0);
