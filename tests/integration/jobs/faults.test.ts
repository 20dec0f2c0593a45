/**
 * The job queue under faults, against the real stack: a worker killed mid-job, poison jobs and
 * the admin routes that deal with them, three worker processes at once, an enqueue that rolls
 * back with its transaction, and the scheduler stopped and started again.
 *
 * Workers are separate processes (fixtures/worker.ts: the real `drain()` and handlers, each
 * handler call traced to a file that outlives the process).
 *
 * The stack's scheduler drains every queue through the gateway, so it would race these tests
 * for their jobs: a job claimed by the stack's worker instead of ours would make "attempts = 2"
 * or "one attempt per drain" untrue for reasons that are not the queue's. A queue of our own
 * would dodge it but would not be the probe and notify queues under test, so each test
 * stops the scheduler for its duration (restarted in `finally`) and first waits until the run
 * the scheduler may already have started is over (`noWorkerRunning`).
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { crewAs, env, failsWith, routesAs } from "../../helpers/client.ts";
import { WorkerProcess } from "../cache/fixtures/worker-process.ts";
import type { DrainOptions, DrainReport } from "../../../shared/jobs/worker.ts";
import { noWorkerRunning, stackSh, withoutScheduler } from "../../helpers/scheduler.ts";

const WORKER_SCRIPT = new URL("./fixtures/worker.ts", import.meta.url);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Sql = postgres.Sql;
const directSql = (): Sql =>
  postgres(env("DB_DIRECT_URL"), { max: 2, prepare: false, onnotice: () => {} });

// Child processes and pooled sockets outlive single awaits on purpose; each test closes its own.
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

// ---------------------------------------------------------------------------------------------
// Worker processes and what they traced.

interface TraceLine {
  worker: string;
  event: "start" | "end" | "log";
  queue: string;
  id: string;
  claim: string;
  attempt: number;
  at: number;
  outcome?: string;
}

interface Worker {
  name: string;
  proc: WorkerProcess;
  traceFile: string;
  drain(options?: Partial<DrainOptions>): Promise<DrainReport>;
  trace(): TraceLine[];
}

/** A worker process, ready (its modules loaded) when this resolves. */
async function startWorker(name: string, dir: string): Promise<Worker> {
  const traceFile = `${dir}/${name}.jsonl`;
  const proc = new WorkerProcess(WORKER_SCRIPT, {
    ...Deno.env.toObject(),
    JOBS_TRACE_FILE: traceFile,
    JOBS_WORKER_NAME: name,
    LOG_REQUESTS: "0",
  });
  const pong = await proc.ask<{ pid?: number; error?: string }>({ op: "ping" });
  assert.ok(pong.pid, `worker ${name} did not start: ${JSON.stringify(pong)}`);
  return {
    name,
    proc,
    traceFile,
    async drain(options = {}) {
      const report = await proc.ask<DrainReport & { error?: string }>({
        op: "drain",
        options: {
          budgetMs: 20_000,
          batch: 10,
          concurrency: 4,
          pollMs: 50,
          lingerMs: 0,
          queues: ["probe"],
          ...options,
        },
      });
      if (report.error) throw new Error(`worker ${name}: ${report.error}`);
      return report;
    },
    trace: () => readTrace(traceFile),
  };
}

function readTrace(file: string): TraceLine[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

/** Polls `probe` every 50 ms until it returns something truthy; fails after `timeoutMs`. */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T> | T) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------
// Jobs.

/**
 * `id = ${anyOf(sql, ids)}`: the ids as one text parameter (a postgres.js array parameter
 * needs its type cache, which a fresh connection may not have filled yet).
 */
const anyOf = (sql: Sql, ids: string[]) => sql`any(string_to_array(${ids.join(",")}, ',')::uuid[])`;

async function send(sql: Sql, queue: string, payload: Record<string, unknown>): Promise<string> {
  const [{ id }] = await sql`select queue.send(${queue}, ${
    sql.json(payload as postgres.JSONValue)
  }) as id`;
  return id;
}

interface LiveRow {
  id: string;
  state: string;
  attempts: number;
  claim: string | null;
  errors: { attempt: number; error: string }[];
  last_error: string | null;
  due: boolean;
  wait_s: number;
}

async function live(sql: Sql, id: string): Promise<LiveRow | undefined> {
  const [row] = await sql<LiveRow[]>`
    select id, state, attempts, claim, errors, last_error, run_at <= clock_timestamp() as due,
           extract(epoch from run_at - clock_timestamp())::float8 as wait_s
      from queue.jobs where id = ${id}::uuid`;
  return row;
}

async function archived(sql: Sql, ids: string[]) {
  return await sql<
    { id: string; state: string; attempts: number; result: unknown; errors: LiveRow["errors"] }[]
  >`
    select id, state, attempts, result, errors from queue.archive
     where id = ${anyOf(sql, ids)} order by id`;
}

/** Whatever of `ids` is still live goes away (cancelled, or discarded if dead). */
async function cleanup(sql: Sql, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await sql`
    select queue.cancel(id) from queue.jobs where id = ${anyOf(sql, ids)} and state = 'queued'`;
  await sql`
    select queue.discard(id) from queue.jobs where id = ${anyOf(sql, ids)} and state = 'dead'`;
  // Only after a failed test: a job a (killed) worker of this test still holds.
  await sql`
    select queue.to_archive(id, 'cancelled', null) from queue.jobs
     where id = ${anyOf(sql, ids)} and state = 'running'`;
}

/**
 * Runs `fn` with the stack's scheduler out of the way and a worker process per name; whatever
 * `track`ed jobs are left are cleaned up afterwards, whatever happened.
 */
async function withWorkers(
  names: string[],
  fn: (t: { sql: Sql; workers: Worker[]; track: (...ids: string[]) => void }) => Promise<void>,
): Promise<void> {
  const sql = directSql();
  const dir = await Deno.makeTempDir({ prefix: "jobs-faults-" });
  const workers: Worker[] = [];
  const ids: string[] = [];
  try {
    await withoutScheduler(sql, async () => {
      workers.push(...await Promise.all(names.map((n) => startWorker(n, dir))));
      await fn({ sql, workers, track: (...more) => ids.push(...more) });
    });
  } finally {
    for (const w of workers) await w.proc.kill();
    await cleanup(sql, ids);
    await sql.end();
    await Deno.remove(dir, { recursive: true });
  }
}

// ---------------------------------------------------------------------------------------------

test("a worker killed mid-job: the job comes back after its visibility timeout and succeeds once", () =>
  withWorkers(["a", "b"], async ({ sql, workers: [a, b], track }) => {
    const id = await send(sql, "probe", { sleep_ms: 3000 });
    track(id);

    // A claims it and sleeps in the handler; it is killed there.
    const killedRun = a.drain({ batch: 1, concurrency: 1, lingerMs: 10_000 }).catch((e) => e);
    const started = await waitFor(
      "worker a to start the job",
      10_000,
      () => a.trace().find((l) => l.event === "start" && l.id === id),
    );
    assert.equal(started.attempt, 1);
    await sleep(500);
    await a.proc.kill();
    assert.ok((await killedRun) instanceof Error, "the killed worker never answered");
    assert.equal(a.trace().filter((l) => l.event === "end").length, 0, "killed mid-sleep");

    // Nothing finished it: still running under A's claim, hidden for the visibility timeout.
    const held = await live(sql, id);
    assert.equal(held?.state, "running");
    assert.equal(held?.attempts, 1);
    assert.equal(held?.claim, started.claim);
    assert.equal(held?.due, false);
    const early = await b.drain();
    assert.equal(b.trace().filter((l) => l.id === id).length, 0, "taken before its timeout");
    assert.equal(early.lost, 0);

    // After the 5 s visibility timeout, B claims it again and finishes it.
    await waitFor(
      "the visibility timeout to run out",
      8_000,
      async () => (await live(sql, id))?.due,
    );
    const late = await b.drain();
    assert.equal(late.lost, 0);
    assert.ok(late.succeeded >= 1, JSON.stringify(late));
    const runs = b.trace().filter((l) => l.id === id);
    assert.deepEqual(runs.map((l) => [l.event, l.attempt, l.outcome]), [
      ["start", 2, undefined],
      ["end", 2, "ok"],
    ]);
    assert.notEqual(runs[0].claim, started.claim);

    assert.equal(await live(sql, id), undefined, "no longer live");
    const rows = await archived(sql, [id]);
    assert.equal(rows.length, 1, "exactly one archive row");
    assert.equal(rows[0].state, "succeeded");
    assert.equal(rows[0].attempts, 2);
    assert.deepEqual(rows[0].result, { ok: true, attempt: 2 });
    assert.equal(rows[0].errors.length, 1, JSON.stringify(rows[0].errors));
    assert.equal(rows[0].errors[0].attempt, 1);
    assert.match(rows[0].errors[0].error, /visibility timeout \(5 s\) expired/);
  }));

test("poison jobs: a permanent failure is dead at once, a retryable one after max_attempts; retry, discard and list them", () =>
  withWorkers(["poison"], async ({ sql, workers: [worker], track }) => {
    const drainNotify = () => worker.drain({ queues: ["notify"] });
    const permanent = await send(sql, "notify", { kind: "no_such_kind" });
    const retryable = await send(sql, "notify", {
      kind: "payment_paid",
      payment_id: crypto.randomUUID(),
      payment_date: "2026-01-01",
      candidate_id: crypto.randomUUID(),
    });
    track(permanent, retryable);
    const [{ max }] = await sql`select max_attempts as max from queue.queues where name = 'notify'`;
    assert.equal(max, 8);

    await drainNotify();
    const dead = await live(sql, permanent);
    assert.equal(dead?.state, "dead", "Permanent: a dead letter after one attempt");
    assert.equal(dead?.attempts, 1);
    assert.equal(dead?.errors.length, 1);
    assert.match(dead!.errors[0].error, /^Permanent: unknown notification kind "no_such_kind"/);

    // The retryable one backs off: notify waits 5 s × 2^(n-1) (× jitter in [0.5, 1)) between
    // attempts, up to an hour, so 8 real attempts would take over ten minutes. Between drains
    // the test moves run_at to now: only the wait is skipped, every attempt still goes
    // through read → handler → queue.fail like any other.
    let row = await live(sql, retryable);
    assert.equal(row?.state, "queued");
    assert.equal(row?.attempts, 1);
    assert.ok(row!.wait_s > 2 && row!.wait_s <= 5, `first backoff ${row!.wait_s} s`);
    for (let attempt = 2; attempt <= max; attempt++) {
      await sql`update queue.jobs set run_at = clock_timestamp()
                   where id = ${retryable}::uuid and state = 'queued'`;
      await drainNotify();
      row = await live(sql, retryable);
      assert.equal(row?.attempts, attempt);
      assert.equal(row?.state, attempt < max ? "queued" : "dead", `after attempt ${attempt}`);
    }
    assert.deepEqual(row!.errors.map((e) => e.attempt), [1, 2, 3, 4, 5, 6, 7, 8]);
    for (const e of row!.errors) {
      assert.match(e.error, /payment_paid notification's rows were not found/);
    }
    assert.match(row!.last_error!, /^attempt 8: /);
    const runs = worker.trace().filter((l) => l.event === "start" && l.id === retryable);
    assert.equal(runs.length, max, "one handler run per attempt");

    // The admin view of dead letters lists both, with their errors.
    const admin = routesAs("admin").jobs;
    const listed = await admin("get", "/jobs/dead")({ query: { queue: "notify", limit: 200 } });
    assert.equal(listed.status, 200, JSON.stringify(listed.data));
    const byId = new Map(listed.data.data.map((d) => [d.id, d]));
    assert.equal(byId.get(permanent)?.state, "dead");
    // The document types a dead letter's errors as unknown: an array is part of the check.
    const errorCount = (id: string) => {
      const errors = byId.get(id)?.errors;
      return Array.isArray(errors) ? errors.length : errors;
    };
    assert.equal(errorCount(permanent), 1);
    assert.equal(errorCount(retryable), 8);
    await failsWith(crewAs("crew").jobs.dead(), 403);

    // Retry: back in the queue with fresh attempts.
    const retried = await admin("post", "/jobs/{id}/retry")({ path: { id: retryable } });
    assert.equal(retried.status, 200, JSON.stringify(retried.data));
    assert.equal(retried.data.state, "queued");
    assert.equal(retried.data.attempts, 0);
    row = await live(sql, retryable);
    assert.equal(row?.state, "queued");
    assert.equal(row?.attempts, 0);
    assert.equal(row?.due, true);
    const again = await failsWith(crewAs("admin").jobs.retry(retryable), 409);
    assert.equal(again.status, 409, "only a dead letter can be retried");
    // It would only die again: cancelled (the admin route for a waiting job).
    const cancelled = await admin("post", "/jobs/{id}/cancel")({ path: { id: retryable } });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.data));
    assert.equal(cancelled.data.state, "cancelled");

    // Discard: archived as discarded.
    const discarded = await admin("post", "/jobs/{id}/discard")({ path: { id: permanent } });
    assert.equal(discarded.status, 200, JSON.stringify(discarded.data));
    assert.equal(discarded.data.state, "discarded");
    assert.equal(await live(sql, permanent), undefined);
    const rows = await archived(sql, [permanent, retryable]);
    assert.deepEqual(
      rows.map((r) => [r.id, r.state, r.attempts]).sort(),
      [[permanent, "discarded", 1], [retryable, "cancelled", 0]].sort(),
    );
    const status = await crewAs("admin").jobs.getById(permanent);
    assert.equal(status.state, "discarded");
    await failsWith(crewAs("admin").jobs.discard(permanent), 409);
    const after = await crewAs("admin").jobs.dead({ queue: "notify" });
    assert.ok(!after.data.some((d) => d.id === permanent || d.id === retryable));
  }));

test("three worker processes at once: 300 jobs, each run and archived exactly once", () =>
  withWorkers(["w1", "w2", "w3"], async ({ sql, workers, track }) => {
    // All three are polling before the jobs exist, so they start on them together.
    const reports = Promise.all(workers.map((w) => w.drain({ lingerMs: 2_000 })));
    await sleep(100);
    const sent = await sql<{ id: string }[]>`
        select queue.send('probe', jsonb_build_object('sleep_ms', (random() * 20)::int)) as id
          from generate_series(1, 300)`;
    const ids = sent.map((r) => r.id);
    track(...ids);
    const done = await reports;
    for (const r of done) assert.equal(r.lost, 0, JSON.stringify(r));

    const [{ left }] = await sql`
        select count(*)::int as left from queue.jobs where id = ${anyOf(sql, ids)}`;
    assert.equal(left, 0, "none left in queue.jobs");
    const rows = await archived(sql, ids);
    assert.equal(rows.length, 300);
    assert.deepEqual([...new Set(rows.map((r) => `${r.state}/${r.attempts}`))], ["succeeded/1"]);

    const mine = new Set(ids);
    const lines = workers.flatMap((w) => w.trace()).filter((l) => mine.has(l.id));
    const starts = lines.filter((l) => l.event === "start");
    assert.equal(starts.length, 300, "each job's handler ran once");
    assert.equal(new Set(starts.map((l) => l.id)).size, 300);
    assert.equal(new Set(starts.map((l) => l.claim)).size, 300);
    // No job held by two workers at once: per job, its runs' intervals do not overlap.
    const runs = new Map<string, { worker: string; start: number; end: number }[]>();
    for (const s of starts) {
      const end = lines.find((l) => l.event === "end" && l.claim === s.claim);
      assert.equal(end?.outcome, "ok");
      runs.set(s.id, [...runs.get(s.id) ?? [], { worker: s.worker, start: s.at, end: end!.at }]);
    }
    for (const [id, spans] of runs) {
      spans.sort((x, y) => x.start - y.start);
      for (let i = 1; i < spans.length; i++) {
        assert.ok(spans[i].start >= spans[i - 1].end, `job ${id} held twice at once`);
      }
    }
    // The three really shared the work, and at the same time.
    const perWorker = workers.map((w) => starts.filter((l) => l.worker === w.name).length);
    for (const n of perWorker) assert.ok(n > 0, `jobs per worker: ${perWorker}`);
    const spans = [...runs.values()].flat();
    const together = spans.some((x) =>
      spans.some((y) => x.worker !== y.worker && x.start < y.end && y.start < x.end)
    );
    assert.ok(together, "no two workers ever ran a job at the same time");
  }));

// A batch that takes longer than its jobs' visibility timeout (found by this file, fixed in
// shared/jobs/worker.ts): each job's deadline runs from when the batch was CLAIMED, so a job
// whose claim is nearly spent is handed back instead of started, and finished jobs are completed
// on a timer, not when some lane comes back. Before the fix, two workers ran these jobs 30 times
// and completed none (with the stack's defaults, 14 of 20 three-second probes ended dead).
test("a batch longer than the visibility timeout: each job still runs once", () =>
  withWorkers(["x", "y"], async ({ sql, workers, track }) => {
    // One claims all ten (batch 10) and runs them five at a time, 3 s each: 6 s of work for
    // claims of 5 s. The other polls, as the scheduler's next call would.
    const reports = Promise.all(
      workers.map((w) => w.drain({ batch: 10, concurrency: 5, pollMs: 100, lingerMs: 8_000 })),
    );
    await sleep(100);
    const sent = await sql<{ id: string }[]>`
        select queue.send('probe', '{"sleep_ms": 3000}'::jsonb) as id from generate_series(1, 10)`;
    const ids = sent.map((r) => r.id);
    track(...ids);
    const done = await reports;
    const mine = new Set(ids);
    const starts = workers.flatMap((w) => w.trace()).filter((l) =>
      l.event === "start" && mine.has(l.id)
    );
    assert.equal(starts.length, 10, `handler runs for 10 jobs: ${JSON.stringify(done)}`);
    for (const r of done) assert.equal(r.lost, 0, JSON.stringify(r));
    const rows = await archived(sql, ids);
    assert.deepEqual(
      rows.map((r) => `${r.state}/${r.attempts}`),
      Array(10).fill("succeeded/1"),
    );
  }));

test("a notification job commits or rolls back with the payment that caused it", async () => {
  const sql = directSql();
  let paymentId: string | undefined;
  const ids: string[] = [];
  try {
    await withoutScheduler(sql, async () => {
      const [staff] = await sql`
        select project_id, candidate_id from public.project_staff order by project_id limit 1`;
      const [payment] = await sql`
        insert into public.payments (project_id, candidate_id, amount, payment_date, status)
        values (${staff.project_id}, ${staff.candidate_id}, '123.45', current_date, 'approved')
        returning id, to_char(payment_date, 'YYYY-MM-DD') as payment_date`;
      paymentId = payment.id as string;
      const key = `payment_paid:${paymentId}`;
      const jobsFor = () =>
        sql`
        select id, queue, state, payload from queue.jobs where dedupe_key = ${key}
        union all
        select id, queue, state, payload from queue.archive where dedupe_key = ${key}`;
      const markPaid = (tx: postgres.TransactionSql) =>
        tx`update public.payments set status = 'paid'
            where id = ${paymentId!}::uuid and status = 'approved' returning status`;

      // Rolled back: the trigger did enqueue inside the transaction, and the job went with it.
      const rollback = new Error("roll back");
      let seenInside: readonly unknown[] = [];
      const outcome = await sql.begin(async (tx) => {
        const [updated] = await markPaid(tx);
        assert.equal(updated?.status, "paid");
        seenInside = await tx`select id from queue.jobs where dedupe_key = ${key}`;
        throw rollback;
      }).catch((error) => error);
      assert.equal(outcome, rollback);
      assert.equal(seenInside.length, 1, "the trigger enqueued in the transaction");
      assert.deepEqual([...await jobsFor()], [], "no job after the rollback");
      const [still] = await sql`select status from public.payments where id = ${paymentId}::uuid`;
      assert.equal(still.status, "approved");

      // Committed: exactly one job, with ids only.
      await sql.begin((tx) => markPaid(tx));
      const jobs = await jobsFor();
      ids.push(...jobs.map((j) => j.id as string));
      assert.equal(jobs.length, 1, JSON.stringify(jobs));
      assert.equal(jobs[0].queue, "notify");
      assert.equal(jobs[0].state, "queued");
      assert.deepEqual(jobs[0].payload, {
        kind: "payment_paid",
        payment_id: paymentId,
        payment_date: payment.payment_date,
        candidate_id: staff.candidate_id,
      });
    });
  } finally {
    // The job first: run after the payment is gone, it would retry for hours, then die.
    await cleanup(sql, ids);
    if (paymentId) await sql`delete from public.payments where id = ${paymentId}::uuid`;
    await sql.end();
  }
});

test("scheduler stopped: jobs wait; started again: they drain", async () => {
  const sql = directSql();
  let ids: string[] = [];
  try {
    await stackSh("stop-scheduler");
    await noWorkerRunning(sql);
    const sent = await sql<{ id: string }[]>`
      select queue.send('probe', '{"sleep_ms": 0}'::jsonb) as id from generate_series(1, 10)`;
    ids = sent.map((r) => r.id);
    await sleep(3_000);
    const waiting = await sql`
      select state, attempts, count(*)::int as n from queue.jobs
       where id = ${anyOf(sql, ids)} group by 1, 2`;
    assert.deepEqual(
      waiting.map((r) => ({ ...r })),
      [{ state: "queued", attempts: 0, n: 10 }],
      "nothing drains without the scheduler",
    );
    const [{ wants }] = await sql`select queue.wants_worker() as wants`;
    assert.equal(wants, true);

    await stackSh("start", "scheduler");
    const startedAt = Date.now();
    await waitFor("the probes to be drained by the restarted scheduler", 10_000, async () => {
      const [{ n }] = await sql`
        select count(*)::int as n from queue.archive
         where id = ${anyOf(sql, ids)} and state = 'succeeded'`;
      return n === 10;
    });
    const health = await (await fetch(`http://127.0.0.1:${env("SCHEDULER_PORT")}/health`)).json();
    assert.ok(health.calls >= 1, JSON.stringify(health));
    console.log(`drained ${Date.now() - startedAt} ms after the scheduler started`);
  } finally {
    await stackSh("start", "scheduler");
    await cleanup(sql, ids);
    await sql.end();
  }
});
