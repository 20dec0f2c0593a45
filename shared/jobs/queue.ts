/**
 * The job queue's SQL (supabase/migrations/20261202100000_job_queues.sql), one function per
 * queue operation. `send` takes the caller's transaction so a job commits with the write that
 * caused it (the outbox rule); the rest are the worker's and the admin routes' calls on the
 * service path. Shapes follow pgmq: send / read with a visibility timeout / complete (archive).
 * Which queues exist is the app's registry (`defineQueue`), not this file's.
 */
import type { z } from "zod";
import { asServiceRole, type Tx } from "../db/index.ts";
import { isoOrNull, jsonb } from "../db/rows.ts";
import { sqlLiteral } from "../db/tx.ts";
import { conflict } from "../errors.ts";
import { type ClaimedJob, payloadToSend, type QueueDef } from "./define.ts";

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

export interface SendOptions {
  delayS?: number;
  priority?: number;
  /** One waiting job per key: a send while one waits returns that job's id. */
  dedupeKey?: string;
  createdBy?: string;
}

/**
 * Enqueues inside `tx` (the business write's transaction); returns the job id. The payload is
 * typed by the queue's definition and parsed by its schema before it is queued.
 */
export async function send<S extends z.ZodType>(
  tx: Tx,
  queue: QueueDef<string, S>,
  payload: z.input<S>,
  options: SendOptions = {},
): Promise<string> {
  const body = payloadToSend(queue, payload);
  const [row] = await tx<{ id: string }[]>`
    select queue.send(${queue.name}, ${jsonb(tx, body)}, ${options.delayS ?? null}::numeric,
                      ${options.priority ?? 0}::int, ${options.dedupeKey ?? null}::text,
                      ${options.createdBy ?? null}::uuid) as id`;
  return row.id;
}

/** One live run per slot: its key, and what it is in words for the 409 ("project and period"). */
export interface Slot {
  key: string;
  of: string;
}

/**
 * A run asked for by a user, one per slot while live (queued or running): the same request
 * (the payload without `user_id`) joins the live job and the caller may follow it; another
 * request for the slot is refused with a 409 naming the live job and its values.
 */
export async function sendOrJoin<S extends z.ZodType<{ user_id: string }>>(
  tx: Tx,
  queue: QueueDef<string, S>,
  payload: z.input<S>,
  slot: Slot,
): Promise<string> {
  const body = payloadToSend(queue, payload);
  const [row] = await tx<{ id: string; outcome: string; running: Record<string, unknown> }[]>`
    select * from queue.send_or_join(${queue.name}, ${jsonb(tx, body)}, ${slot.key},
                                     ${body.user_id}::uuid)`;
  if (row.outcome === "conflict") {
    throw conflict(
      `A ${queue.name} run for the same ${slot.of} is already queued or running with other values: wait for job ${row.id}, or ask again with the same values`,
      { job_id: row.id, running: row.running },
    );
  }
  return row.id;
}

interface JobRow {
  id: string;
  queue: string;
  payload: unknown;
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
  const { completed, claimed } = await completeAndClaim(
    completeSql,
    qty > 0 ? claimSql : undefined,
  );
  return {
    claimed: claimed.map(toClaimed),
    held: new Set(completed.filter((r) => r.ok).map((r) => r.id)),
  };
}

type HeldRow = { id: string; ok: boolean };

/**
 * Only the statements there is something for: no claim for completeMany (qty 0), no completion
 * before the first claim; both parameterless, so they travel with BEGIN and COMMIT. `unsafe` is
 * safe here: the SQL is fixed text around values that are numbers checked above or quoted by
 * `sqlLiteral` (queue names, and the completions as one JSON literal) — no input is spliced.
 */
async function completeAndClaim(
  completeSql: string | undefined,
  claimSql: string | undefined,
): Promise<{ completed: HeldRow[]; claimed: JobRow[] }> {
  if (completeSql && claimSql) {
    const [completed, claimed] = await asServiceRole(
      "jobs claim",
      (tx) => [tx.unsafe<HeldRow[]>(completeSql), tx.unsafe<JobRow[]>(claimSql)] as const,
    );
    return { completed, claimed };
  }
  if (completeSql) {
    const [completed] = await asServiceRole(
      "jobs claim",
      (tx) => [tx.unsafe<HeldRow[]>(completeSql)] as const,
    );
    return { completed, claimed: [] };
  }
  if (!claimSql) return { completed: [], claimed: [] };
  const [claimed] = await asServiceRole(
    "jobs claim",
    (tx) => [tx.unsafe<JobRow[]>(claimSql)] as const,
  );
  return { completed: [], claimed };
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
