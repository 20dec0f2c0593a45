/**
 * What the API shows of the job queue: one job's status to the user who asked for it (or an
 * admin) — through `queue.job_status`, as the caller, so Postgres checks it too — and the
 * operations views for admins: queue depths, dead letters, retry / discard / cancel, probes.
 */
import type { Caller } from "../../caller.ts";
import { asServiceRole, asUser } from "../../db/index.ts";
import { iso, isoOrNull } from "../../db/rows.ts";
import { invalidTransition, notFound } from "../../errors.ts";
import { send } from "../../jobs/index.ts";
import { probeQueue } from "./probe.ts";

export interface JobJson {
  id: string;
  queue: string;
  state: string;
  attempts: number;
  max_attempts: number;
  progress: unknown;
  result: unknown;
  last_error: string | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** When a waiting job may next start (null once finished). */
  run_at: string | null;
}

const toJob = (r: Record<string, unknown>): JobJson => ({
  id: String(r.id),
  queue: String(r.queue),
  state: String(r.state),
  attempts: Number(r.attempts),
  max_attempts: Number(r.max_attempts),
  progress: r.progress ?? null,
  result: r.result ?? null,
  last_error: (r.last_error as string | null) ?? null,
  created_by: (r.created_by as string | null) ?? null,
  created_at: iso(r.created_at),
  started_at: isoOrNull(r.started_at),
  finished_at: isoOrNull(r.finished_at),
  run_at: isoOrNull(r.run_at),
});

/** A job the caller may see (their own; any for admin), else 404. */
export async function getJob(caller: Caller, id: string): Promise<JobJson> {
  const [rows] = await asUser(caller.claims, (tx) => [
    tx`select * from queue.job_status(${id}::uuid)`,
  ]);
  if (!rows[0]) throw notFound("Job");
  return toJob(rows[0]);
}

export interface QueueMetrics {
  queue: string;
  queued: number;
  scheduled: number;
  running: number;
  dead: number;
  oldest_queued_s: number;
  succeeded_1h: number;
  archived: number;
}

/** Depth, age of the oldest due job, running, dead letters and recent throughput per queue. */
export async function queueMetrics(): Promise<QueueMetrics[]> {
  const rows = await asServiceRole("jobs metrics", (tx) => tx`select * from queue.metrics()`);
  return rows.map((r) => ({
    queue: String(r.queue),
    queued: Number(r.queued),
    scheduled: Number(r.scheduled),
    running: Number(r.running),
    dead: Number(r.dead),
    oldest_queued_s: Number(r.oldest_queued_s),
    succeeded_1h: Number(r.succeeded_1h),
    archived: Number(r.archived),
  }));
}

/** Dead letters, newest first, with their payload (ids only) and their errors. */
export async function deadLetters(queue: string | undefined, limit: number) {
  const rows = await asServiceRole("jobs dead letters", (tx) =>
    tx`
    select id, queue, payload, attempts, max_attempts, last_error, errors, created_by,
           created_at, started_at, finished_at
      from queue.jobs
     where state = 'dead' and (${queue ?? null}::text is null or queue = ${queue ?? null})
     order by finished_at desc, id limit ${limit}`);
  return rows.map((r) => ({
    ...toJob({ ...r, state: "dead", progress: null, result: null, run_at: null }),
    payload: r.payload,
    errors: r.errors,
  }));
}

export type JobOperation = "retry" | "discard" | "cancel";
const NEEDS: Record<JobOperation, string> = { retry: "dead", discard: "dead", cancel: "queued" };
const BECOMES: Record<JobOperation, string> = {
  retry: "queued",
  discard: "discarded",
  cancel: "cancelled",
};

/** Retries or discards a dead letter, or cancels a waiting job; 409 from any other state. */
export async function operate(id: string, op: JobOperation): Promise<JobJson> {
  if (!Object.hasOwn(NEEDS, op)) throw new Error(`not a job operation: ${op}`);
  return await asServiceRole(`jobs ${op}`, async (tx) => {
    // `unsafe` only to name the function: `op` is one of three fixed names (JobOperation, chosen
    // by the route, never by input); the id is a parameter.
    const [done] = await tx.unsafe(`select queue.${op}($1::uuid) as ok`, [id]);
    const [row] = await tx`
      select j.id, j.queue, j.state, j.attempts, j.max_attempts, j.progress, null as result,
             j.last_error, j.created_by, j.created_at, j.started_at, j.finished_at, j.run_at
        from queue.jobs j where j.id = ${id}::uuid
      union all
      select a.id, a.queue, a.state, a.attempts, a.max_attempts, a.progress, a.result,
             a.last_error, a.created_by, a.created_at, a.started_at, a.finished_at, null
        from queue.archive a where a.id = ${id}::uuid`;
    if (!row) throw notFound("Job");
    if (!done.ok) throw invalidTransition("job", String(row.state), BECOMES[op]);
    return toJob(row);
  });
}

/** The states an operation starts from (for the route descriptions). */
export const operationNeeds = NEEDS;

/** Enqueues `count` probe jobs (optionally sleeping) for an end-to-end check of the worker. */
export async function sendProbes(caller: Caller, count: number, sleepMs: number) {
  return await asServiceRole("jobs probe", async (tx) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      ids.push(
        await send(tx, probeQueue, { sleep_ms: sleepMs }, {
          createdBy: caller.id,
        }),
      );
    }
    return ids;
  });
}
