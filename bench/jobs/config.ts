/**
 * Sizes of the job-queue benchmark. Both queues get the same numbers in every phase: the same
 * jobs, the same clients, the same batch and the same number of claim loops.
 */

export interface JobsBenchConfig {
  /** Measured rounds of enqueue and drain; who goes first alternates (ours, then pg-boss). */
  rounds: number;
  enqueue: { jobs: number; clients: number };
  /** `workers` claim loops, each claiming `batch` jobs per read. */
  drain: { jobs: number; workers: number; batch: number };
  /**
   * Jobs sent one at a time at `ratePerS` for `leadInS` (not counted: the worker gets going)
   * and then `seconds` (measured), while the worker runs.
   */
  latency: { ratePerS: number; leadInS: number; seconds: number; batch: number };
  /** How long a latency phase may take to finish its last jobs after the sender stops. */
  settleS: number;
}

export function jobsBenchConfig(quick: boolean): JobsBenchConfig {
  return quick
    ? {
      // The smoke run: enough jobs to show a lost or double-drained one, a few seconds in all.
      rounds: 1,
      enqueue: { jobs: 200, clients: 4 },
      drain: { jobs: 300, workers: 2, batch: 20 },
      latency: { ratePerS: 20, leadInS: 1.5, seconds: 3, batch: 20 },
      settleS: 15,
    }
    : {
      rounds: 3,
      enqueue: { jobs: 5_000, clients: 10 },
      drain: { jobs: 10_000, workers: 4, batch: 50 },
      // 20 jobs/s for 15 s: 300 starts per system, enough for a p99 that is not the maximum.
      latency: { ratePerS: 20, leadInS: 2, seconds: 15, batch: 20 },
      settleS: 30,
    };
}

/** Our diagnostic no-op queue (supabase/migrations/20261202100000_job_queues.sql). */
export const OUR_QUEUE = "probe";
/** pg-boss's queues, in its own schema: polled, and woken by LISTEN/NOTIFY. */
export const BOSS_SCHEMA = "pgboss";
export const BOSS_QUEUE = "probe";
export const BOSS_NOTIFY_QUEUE = "probe_notify";
/** pg-boss refuses a polling interval below 0.5 s (POLICY.MIN_POLLING_INTERVAL_MS). */
export const BOSS_MIN_POLL_S = 0.5;
