/**
 * The three measurements, each run the same way on both queues: enqueue throughput, no-op drain
 * throughput (rounds alternating who goes first, both sides cleaned and vacuumed before each
 * measurement), and enqueue → start latency under a steady send rate while a worker runs.
 * Every measurement also checks its jobs: each sent once, drained once, none lost or left.
 */
import type { JobsLatency, JobsResult, JobsThroughput } from "../lib/types.ts";
import type { JobsBenchConfig } from "./config.ts";
import { median, percentiles, steadySend, waitForCount } from "./measure.ts";
import {
  cleanOurs,
  countOurs,
  drainOurs,
  enqueueOurs,
  type LatencyWorker,
  preloadOurs,
  sentOurs,
  type Sql,
  startDelaysOurs,
} from "./ours.ts";
import {
  type Boss,
  cleanBoss,
  countBoss,
  drainBoss,
  enqueueBoss,
  preloadBoss,
  startDelaysBoss,
} from "./pgboss.ts";

export type Check = JobsResult["checks"][number];

export interface Ctx {
  sql: Sql;
  boss: Boss;
  config: JobsBenchConfig;
  /** Connections each side may open for its sends (ours: postgres.js; pg-boss: its pg pool). */
  pools: { ours: number; pgBoss: number };
  checks: Check[];
  progress(line: string): void;
}

type Side = "ours" | "pgBoss";
const runTag = (what: string) => `${what}-${crypto.randomUUID().slice(0, 8)}`;

function check(ctx: Ctx, name: string, ok: boolean, detail: string) {
  ctx.checks.push({ name, ok, detail });
  if (!ok) ctx.progress(`CHECK FAILED ${name}: ${detail}`);
}

/** One enqueue measurement of `side`; returns jobs/s. */
async function enqueueOnce(ctx: Ctx, side: Side, label: string): Promise<number> {
  const { sql, boss } = ctx;
  const { jobs, clients } = ctx.config.enqueue;
  const run = runTag("enqueue");
  await cleanOurs(sql);
  await cleanBoss(sql);
  const seconds = side === "ours"
    ? await enqueueOurs(sql, run, jobs, clients)
    : await enqueueBoss(boss, run, jobs, clients);
  if (side === "ours") {
    const sent = await sentOurs(sql, run);
    check(ctx, `enqueue ${label}: ours`, sent === jobs, `${sent} of ${jobs} jobs in queue.jobs`);
  } else {
    const c = await countBoss(sql, run);
    const total = c.completed + c.other;
    check(
      ctx,
      `enqueue ${label}: pg-boss`,
      total === jobs && c.distinct_i === jobs,
      `${total} of ${jobs} jobs in pgboss.job`,
    );
  }
  return jobs / seconds;
}

/** One drain measurement of `side` over freshly pre-enqueued jobs; returns jobs/s. */
async function drainOnce(ctx: Ctx, side: Side, label: string): Promise<number> {
  const { sql, boss } = ctx;
  const { jobs, workers, batch } = ctx.config.drain;
  const run = runTag("drain");
  await cleanOurs(sql);
  await cleanBoss(sql);
  if (side === "ours") {
    await preloadOurs(sql, run, jobs);
    const d = await drainOurs(workers, batch, batch);
    const c = await countOurs(sql, run);
    check(
      ctx,
      `drain ${label}: ours, every job once`,
      d.claimed === jobs && d.succeeded === jobs && d.other === 0 && c.succeeded === jobs &&
        c.other === 0 && c.retried === 0 && c.distinct_i === jobs && c.live === 0,
      `drain() claimed ${d.claimed}, succeeded ${d.succeeded}, other outcomes ${d.other}; ` +
        `archive: ${c.succeeded} succeeded, ${c.other} other, ${c.retried} with >1 attempt, ` +
        `${c.distinct_i} distinct of ${jobs}; ${c.live} left in queue.jobs`,
    );
    return jobs / d.seconds;
  }
  await preloadBoss(boss, sql, run, jobs);
  const d = await drainBoss(boss, workers, batch);
  const c = await countBoss(sql, run);
  check(
    ctx,
    `drain ${label}: pg-boss, every job once`,
    d.claimed === jobs && c.completed === jobs && c.other === 0 && c.retried === 0 &&
      c.distinct_i === jobs,
    `fetched ${d.claimed}; ${c.completed} completed, ${c.other} in another state, ` +
      `${c.retried} retried, ${c.distinct_i} distinct of ${jobs}`,
  );
  return jobs / d.seconds;
}

/** Enqueue and drain, `rounds` times, alternating which side goes first. */
export async function throughput(ctx: Ctx): Promise<Pick<JobsResult, "enqueue" | "drain">> {
  const { rounds, enqueue, drain } = ctx.config;
  const figures = {
    enqueue: { ours: [] as number[], pgBoss: [] as number[] },
    drain: { ours: [] as number[], pgBoss: [] as number[] },
  };
  for (let r = 0; r < rounds; r++) {
    const order: Side[] = r % 2 === 0 ? ["ours", "pgBoss"] : ["pgBoss", "ours"];
    for (const side of order) {
      const rate = await enqueueOnce(ctx, side, `round ${r + 1}`);
      figures.enqueue[side].push(rate);
      ctx.progress(`enqueue round ${r + 1} ${side}: ${Math.round(rate)} jobs/s`);
    }
    for (const side of order) {
      const rate = await drainOnce(ctx, side, `round ${r + 1}`);
      figures.drain[side].push(rate);
      ctx.progress(`drain round ${r + 1} ${side}: ${Math.round(rate)} jobs/s`);
    }
  }
  const fig = (rates: number[], jobs: number, setup: string): JobsThroughput => ({
    jobsPerS: median(rates),
    rounds: rates,
    jobs,
    setup,
  });
  const e = `${enqueue.jobs} single-job sends from ${enqueue.clients} concurrent clients`;
  const d = `${drain.jobs} pre-enqueued no-op jobs, ${drain.workers} claim loops × batch ` +
    `${drain.batch}`;
  return {
    enqueue: {
      ours: fig(
        figures.enqueue.ours,
        enqueue.jobs,
        `${e}: postgres.js \`select queue.send('probe', $1)\` (prepare: false, pool max ` +
          `${ctx.pools.ours})`,
      ),
      pgBoss: fig(
        figures.enqueue.pgBoss,
        enqueue.jobs,
        `${e}: boss.send() (pg pool max ${ctx.pools.pgBoss})`,
      ),
    },
    drain: {
      ours: fig(
        figures.drain.ours,
        drain.jobs,
        `${d}: ${drain.workers} concurrent drain() calls (shared/jobs/worker.ts: one ` +
          "asServiceRole transaction per batch that completes the previous batch and claims " +
          "the next, one round trip; LOG_REQUESTS=0 as in the bench's functions), handler " +
          "concurrency = batch, linger 0",
      ),
      pgBoss: fig(
        figures.drain.pgBoss,
        drain.jobs,
        `${d}: boss.fetch({ batchSize }) + boss.complete(ids) per batch (work()'s own calls, ` +
          "without its poll delay)",
      ),
    },
  };
}

/**
 * Sends at the configured rate through `send` while `worker` runs, waits for every job to
 * finish, stops the worker and reads the start delays. The first `leadInS` of the stream are
 * not counted ("while the worker runs": ours wakes from idle on the scheduler's tick); their
 * slowest start is kept as the wake-up figure.
 */
export async function latency(
  ctx: Ctx,
  name: string,
  worker: LatencyWorker,
  send: (run: string, i: number) => Promise<unknown>,
  finished: (run: string) => Promise<number>,
  delays: (run: string) => Promise<number[]>,
): Promise<JobsLatency> {
  const { ratePerS, seconds, leadInS } = ctx.config.latency;
  const run = runTag("latency"), leadRun = `${run}-lead`;
  const lead = Math.round(ratePerS * leadInS);
  let total = 0;
  try {
    total = await steadySend(ratePerS, leadInS + seconds, (i) => send(i < lead ? leadRun : run, i));
    const both = async () => (await finished(run)) + (await finished(leadRun));
    const done = await waitForCount(both, total, ctx.config.settleS);
    check(
      ctx,
      `latency ${name}: every job finished`,
      done,
      `${await both()} of ${total} finished within ${ctx.config.settleS} s of the last send`,
    );
  } finally {
    await worker.stop();
  }
  const sent = total - lead;
  const p = percentiles(await delays(run));
  const wakeUp = percentiles(await delays(leadRun));
  check(
    ctx,
    `latency ${name}: every job started once`,
    p.jobs === sent && wakeUp.jobs === lead,
    `${p.jobs} start times for ${sent} jobs (+ ${wakeUp.jobs} for ${lead} lead-in jobs)`,
  );
  ctx.progress(
    `latency ${name}: p50 ${p.p50Ms.toFixed(1)} ms, p99 ${p.p99Ms.toFixed(1)} ms over ` +
      `${p.jobs} jobs; lead-in max ${wakeUp.maxMs.toFixed(1)} ms`,
  );
  return { ...p, ratePerS, seconds, leadInS, wakeUpMs: wakeUp.maxMs, setup: worker.setup };
}

/** How many of `run`'s jobs finished, and their start delays, on each side. */
export const ourLatencyReads = (sql: Sql) => ({
  finished: async (run: string) => (await countOurs(sql, run)).succeeded,
  delays: (run: string) => startDelaysOurs(sql, run),
});

export const bossLatencyReads = (sql: Sql, queue: string) => ({
  finished: async (run: string) => (await countBoss(sql, run, queue)).completed,
  delays: (run: string) => startDelaysBoss(sql, run, queue),
});
