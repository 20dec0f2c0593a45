/**
 * The worker: claims batches of due jobs, runs their handlers, and finishes, fails or hands
 * back each one — for a time budget, so one call fits the Edge limits (150 s wall clock; the
 * handlers spend their time in Postgres, not on the isolate's 2 s of CPU). Idle, it polls for
 * `lingerMs` before returning, so a job sent while a worker is around starts within `pollMs`.
 *
 * Each job runs in its own context whose deadline is the end of its visibility timeout (less a
 * second) or of the budget, whichever is first: its database work stops there, before another
 * worker may claim it. A handler that needs longer checkpoints its progress and throws
 * `Yielded`; one that knows a retry cannot help throws `Permanent` (dead letter at once).
 *
 * The queues and their handlers are the caller's (the `jobs` function's registry): each job's
 * payload is parsed by its queue's schema before the handler sees it, and one that does not
 * parse is a dead letter at once (`Permanent`), not retried.
 */
import { runWithContext } from "../context.ts";
import { AppError } from "../errors.ts";
import { claimAfter, complete, completeMany, fail, release } from "./queue.ts";
import {
  type ClaimedJob,
  type JobRun,
  parsePayload,
  Permanent,
  type QueueDef,
  type Registry,
  Yielded,
} from "./define.ts";
import { recordRun } from "./stats.ts";
import { scrubString } from "../observe/scrub.ts";
import { log, logs } from "../log.ts";
import { endBefore } from "../background.ts";

export interface DrainOptions {
  budgetMs: number;
  batch: number;
  concurrency: number;
  pollMs: number;
  lingerMs: number;
  /** Only these queues (of the registry's); all of them when absent. */
  queues?: readonly string[];
}

export interface DrainReport {
  claimed: number;
  succeeded: number;
  retried: number;
  dead: number;
  released: number;
  superseded: number;
  /** Attempts whose claim had run out before they finished (another worker has the job). */
  lost: number;
  /** Reads that failed (database unreachable); the run stops after the first. */
  errors: number;
  ms: number;
}

/** A claimed job needs at least this much time left to be started. */
const MIN_RUN_MS = 1_000;
/** Finished jobs wait at most this long for their batch's completion statement. */
const FLUSH_MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Drains due jobs of `registry`'s queues until the budget is spent or the queues stay empty. */
export async function drain(registry: Registry, options: DrainOptions): Promise<DrainReport> {
  const started = performance.now();
  // The budget, cut short when the isolate retires first (its wall clock): nothing new is
  // claimed or started after that, and what was claimed but not started goes back at once.
  const budgetEnd = started + options.budgetMs;
  const end = () => endBefore(budgetEnd);
  const report: DrainReport = {
    claimed: 0,
    succeeded: 0,
    retried: 0,
    dead: 0,
    released: 0,
    superseded: 0,
    lost: 0,
    errors: 0,
    ms: 0,
  };
  const byName = new Map(registry.map((q) => [q.name, q]));
  const queues = options.queues ?? [...byName.keys()];
  let idleSince: number | undefined;
  // The last batch's successes, completed in the same round trip as the next claim.
  let done: Finished[] = [];
  while (end() - performance.now() > MIN_RUN_MS) {
    let jobs: ClaimedJob[];
    // The claims' visibility timeouts run from here, not from when each job starts.
    const claimedAt = performance.now();
    try {
      const next = await claimAfter(done, options.batch, queues);
      count(done, next.held, report);
      done = [];
      jobs = next.claimed;
    } catch (error) {
      report.errors++;
      log.error("jobs_read_failed", { error: messageOf(error) });
      break;
    }
    report.claimed += jobs.length;
    if (!jobs.length) {
      const now = performance.now();
      idleSince ??= now;
      if (now - idleSince >= options.lingerMs) break;
      await sleep(Math.min(options.pollMs, Math.max(0, end() - now - MIN_RUN_MS)));
      continue;
    }
    idleSince = undefined;
    done = await runBatch(byName, jobs, end, claimedAt, options.concurrency, report);
  }
  await finish(done, report);
  report.ms = Math.round(performance.now() - started);
  return report;
}

type Finished = ClaimedJob & { result: unknown };

/**
 * Runs one claimed batch, `concurrency` at a time, and returns its successes for the next claim
 * to complete. A quick batch is completed in that one statement; but a finished job never waits
 * more than `FLUSH_MS` behind a slow job in another lane (its visibility timeout would run out
 * and another worker would run it again): those are completed on their own.
 */
async function runBatch(
  byName: ReadonlyMap<string, QueueDef>,
  jobs: ClaimedJob[],
  end: () => number,
  claimedAt: number,
  concurrency: number,
  report: DrainReport,
): Promise<Finished[]> {
  let pending: Finished[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finishing: Promise<void>[] = [];
  // On a timer: the next lane to come back may be seconds away.
  const flush = () => {
    timer = undefined;
    const due = pending;
    pending = [];
    finishing.push(finish(due, report));
  };
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const result = await runOne(byName.get(job.queue), job, end, claimedAt, report);
      if (result.ok) {
        pending.push({ ...job, result: result.value });
        if (next < jobs.length) timer ??= setTimeout(flush, FLUSH_MS);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, lane));
  clearTimeout(timer);
  await Promise.all(finishing);
  return pending;
}

/** Completes finished attempts on their own (one statement, else one by one). */
async function finish(done: Finished[], report: DrainReport): Promise<void> {
  if (!done.length) return;
  let held: Set<string>;
  try {
    held = await completeMany(done);
  } catch {
    held = new Set();
    for (const job of done) {
      if (await complete(job, job.result).catch(() => false)) held.add(job.id);
    }
  }
  count(done, held, report);
}

/** Counts completions; a job whose claim ran out before it was completed counts as lost. */
function count(done: Finished[], held: Set<string>, report: DrainReport): void {
  for (const job of done) {
    const ok = held.has(job.id);
    if (ok) report.succeeded++;
    else report.lost++;
    recordRun(job.queue, ok ? "succeeded" : "lost");
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false };

async function runOne(
  queue: QueueDef | undefined,
  job: ClaimedJob,
  end: () => number,
  claimedAt: number,
  report: DrainReport,
): Promise<Outcome> {
  const deadline = Math.min(end(), claimedAt + job.visibilityTimeoutS * 1000 - 1000);
  if (performance.now() + MIN_RUN_MS > deadline || !queue) {
    // Out of time before it started (or a queue this worker has no handler for): hand it back.
    await release(job).catch(() => false);
    report.released++;
    recordRun(job.queue, "released");
    return { ok: false };
  }
  const started = performance.now();
  try {
    // A payload that does not parse throws Permanent here: dead at once, like a handler's.
    const run: JobRun = {
      ...job,
      payload: parsePayload(queue, job.payload),
      // A handler that checks its time sees a retirement too, and can yield before the end.
      timeLeftMs: () => Math.min(deadline, end()) - performance.now(),
    };
    const value = await runWithContext(
      { requestId: `job:${job.id}`, deadline },
      () => queue.handler(run),
    );
    if (logs("info")) {
      log.info("job", {
        queue: job.queue,
        id: job.id,
        attempt: job.attempts,
        outcome: "ok",
        ms: Math.round(performance.now() - started),
      });
    }
    return { ok: true, value };
  } catch (error) {
    if (error instanceof Yielded) {
      await release(job, error.progress).catch(() => false);
      report.released++;
      recordRun(job.queue, "released");
      return { ok: false };
    }
    const permanent = error instanceof Permanent;
    const state = await fail(job, messageOf(error), !permanent).catch(() => null);
    const outcome = state === "queued"
      ? "retried"
      : state === "dead"
      ? "dead"
      : state === "superseded"
      ? "superseded"
      : "lost";
    report[outcome]++;
    recordRun(job.queue, outcome);
    log.warn("job", {
      queue: job.queue,
      id: job.id,
      attempt: job.attempts,
      outcome,
      ms: Math.round(performance.now() - started),
      error: messageOf(error),
    });
    return { ok: false };
  }
}

/**
 * What is recorded of a failure: our own messages (AppError) and the error's message, never a
 * database error's detail (which can quote row values) — and scrubbed like every log line: no IC,
 * email, long digit run or URL query survives into `last_error`, the logs or `/jobs/dead`.
 */
function messageOf(error: unknown): string {
  return scrubString(rawMessage(error));
}

function rawMessage(error: unknown): string {
  if (error instanceof AppError) {
    // An internal error's own message says nothing; its cause (kept off the API) does.
    const cause = error.cause instanceof Error
      ? ` (${error.cause.name}: ${error.cause.message})`
      : "";
    return `${error.code}: ${error.message}${cause}`.slice(0, 500);
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}
