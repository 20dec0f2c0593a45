/**
 * The job queue's SQL (supabase/migrations/20261202100000_job_queues.sql), one function per
 * queue operation. `send` takes the caller's transaction so a job commits with the write that
 * caused it (the outbox rule); the rest are the worker's and the admin routes' calls on the
 * service path. Shapes follow pgmq: send / read with a visibility timeout / complete (archive).
 */
import { asServiceRole, type Tx } from "../db/index.ts";
import { isoOrNull, jsonb } from "../db/rows.ts";
import { sqlLiteral } from "../db/tx.ts";
import { conflict } from "../errors.ts";

export const QUEUES = ["payroll", "bank_file", "notify", "refresh_views", "probe"] as const;
export type QueueName = typeof QUEUES[number];

export const JOB_STATES = [
  "queued",
  "running",
  "dead",
  "succeeded",
  "cancelled",
  "discarded",
  "superseded",
] as const;
export type JobState = typeof JOB_STATES[number];

/** A claimed job, as the worker hands it to a handler. */
export interface ClaimedJob {
  id: string;
  queue: QueueName;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  visibilityTimeoutS: number;
  claim: string;
  progress: Record<string, unknown> | null;
  createdBy: string | null;
  createdAt: string;
}

export interface SendOptions {
  delayS?: number;
  priority?: number;
  /** One waiting job per key: a send while one waits returns that job's id. */
  dedupeKey?: string;
  createdBy?: string;
}

/** Enqueues inside `tx` (the business write's transaction); returns the job id. */
export async function send(
  tx: Tx,
  queue: QueueName,
  payload: Record<string, unknown>,
  options: SendOptions = {},
): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    select queue.send(${queue}, ${jsonb(tx, payload)}, ${options.delayS ?? null}::numeric,
                      ${options.priority ?? 0}::int, ${options.dedupeKey ?? null}::text,
                      ${options.createdBy ?? null}::uuid) as id`;
  return row.id;
}

/**
 * A run asked for by a user, one per slot while live (queued or running): the same request
 * (the payload without `user_id`) joins the live job and the caller may follow it; another
 * request for the slot is refused with a 409 naming the live job and its values.
 */
export async function sendOrJoin(
  tx: Tx,
  queue: QueueName,
  payload: Record<string, unknown> & { user_id: string },
  slot: string,
): Promise<string> {
  const [row] = await tx<{ id: string; outcome: string; running: Record<string, unknown> }[]>`
    select * from queue.send_or_join(${queue}, ${jsonb(tx, payload)}, ${slot},
                                     ${payload.user_id}::uuid)`;
  if (row.outcome === "conflict") {
    throw conflict(
      `A ${queue} run for the same ${
        queue === "payroll" ? "project and period" : "period"
      } is already queued or running with other values: wait for job ${row.id}, or ask again with the same values`,
      { job_id: row.id, running: row.running },
    );
  }
  return row.id;
}

interface JobRow {
  id: string;
  queue: QueueName;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
  visibility_timeout_s: number;
  claim: string;
  progress: Record<string, unknown> | null;
  created_by: string | null;
  created_at: Date | string;
}

const toClaimed = (r: JobRow): ClaimedJob => ({
  id: r.id,
  queue: r.queue,
  payload: r.payload ?? {},
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  visibilityTimeoutS: r.visibility_timeout_s,
  claim: r.claim,
  progress: r.progress,
  createdBy: r.created_by,
  createdAt: isoOrNull(r.created_at)!,
});

const CLAIM_COLUMNS = "id, queue, payload, attempts, max_attempts, visibility_timeout_s, claim, " +
  "progress, created_by, created_at";

/**
 * Completes the finished attempts `done` and claims the next batch, in ONE transaction and one
 * round trip: both statements carry their values as literals (parameters would make postgres.js
 * describe each first, with `prepare: false`), so they travel with BEGIN and COMMIT. If the
 * claim fails, the completions roll back with it and those jobs run again after their
 * visibility timeout — harmless, the handlers are idempotent.
 */
export async function claimAfter(
  done: (Held & { result: unknown })[],
  qty: number,
  queues?: readonly string[],
): Promise<{ claimed: ClaimedJob[]; held: Set<string> }> {
  if (!Number.isInteger(qty) || qty < 0) throw new Error("qty must be a whole number");
  const names = queues?.length ? `array[${queues.map(sqlLiteral).join(", ")}]::text[]` : "null";
  const claimSql = `select ${CLAIM_COLUMNS} from queue.read(${qty}, ${names})`;
  const completeSql = done.length
    ? `select id, true as ok from queue.complete_many(${
      sqlLiteral(JSON.stringify(done.map((d) => ({
        id: d.id,
        claim: d.claim,
        result: d.result ?? null,
      }))))
    }::jsonb) as id`
    : undefined;
  // Only the statements there is something for: no claim for completeMany (qty 0), no
  // completion before the first claim. Both parameterless, so they travel in one round trip.
  const results = await asServiceRole(
    "jobs claim",
    (tx) =>
      [completeSql, qty > 0 ? claimSql : undefined]
        .filter((q): q is string => q !== undefined)
        .map((q) => tx.unsafe(q)),
  );
  const completed = completeSql ? results.shift()! : [];
  const claimed = qty > 0 ? results.shift()! : [];
  return {
    claimed: (claimed as unknown as JobRow[]).map(toClaimed),
    held: new Set(
      (completed as unknown as { id: string; ok: boolean }[]).filter((r) => r.ok).map((r) => r.id),
    ),
  };
}

type Held = Pick<ClaimedJob, "id" | "claim">;

/** The attempt succeeded; false when the claim was lost (another worker holds the job now). */
export async function complete(job: Held, result: unknown): Promise<boolean> {
  const [row] = await asServiceRole("jobs complete", (tx) =>
    tx<{ ok: boolean }[]>`
      select queue.complete(${job.id}::uuid, ${job.claim}::uuid,
                            ${jsonb(tx, result ?? null)}) as ok`);
  return row.ok;
}

/** The attempt failed: 'queued' (retry after backoff), 'dead', 'superseded' or null (lost). */
export async function fail(job: Held, error: string, retry = true): Promise<string | null> {
  const [row] = await asServiceRole("jobs fail", (tx) =>
    tx<{ state: string | null }[]>`
      select queue.fail(${job.id}::uuid, ${job.claim}::uuid, ${error}, ${retry}) as state`);
  return row.state;
}

/** Saves progress and extends the visibility timeout; false when the claim was lost. */
export async function checkpoint(
  job: Held,
  progress: unknown,
  extendS?: number,
  tx?: Tx,
): Promise<boolean> {
  const run = (t: Tx) =>
    t<{ ok: boolean }[]>`
      select queue.checkpoint(${job.id}::uuid, ${job.claim}::uuid, ${jsonb(t, progress)},
                              ${extendS ?? null}::int) as ok`;
  const [row] = tx ? await run(tx) : await asServiceRole("jobs checkpoint", run);
  return row.ok;
}

/** Hands an unfinished job back (the worker's time is up); the attempt does not count. */
export async function release(job: Held, progress?: unknown): Promise<boolean> {
  const [row] = await asServiceRole("jobs release", (tx) =>
    tx<{ ok: boolean }[]>`
      select queue.release(${job.id}::uuid, ${job.claim}::uuid,
                           ${progress === undefined ? null : jsonb(tx, progress)}) as ok`);
  return row.ok;
}

/** Completes several attempts in one statement; returns the ids whose claim was still held. */
export async function completeMany(done: (Held & { result: unknown })[]): Promise<Set<string>> {
  if (!done.length) return new Set();
  return (await claimAfter(done, 0)).held;
}
