/**
 * The database agrees with the app's lists: every `queue.queues` row is a queue of the registry
 * (functions/jobs/queues.ts) and every registry queue has its row. A row without a queue would
 * never be claimed — the worker claims only the queues it has — yet keep `queue.wants_worker()`
 * true, so the scheduler would call the worker every second for nothing; a queue without its row
 * could not be sent to. Likewise the reporting views (shared/services/reports/views.ts): the
 * database's materialized views, what `public.refresh_reporting_views()` and
 * `queue.refresh_view()` refresh, and what the refresh triggers send. And a payload the worker
 * cannot parse is a dead letter after one attempt, whoever's worker claims it.
 */
import assert from "node:assert/strict";
import { closeDb, db } from "../../helpers/client.ts";
import { QUEUE_NAMES, queues } from "../../../functions/jobs/queues.ts";
import { REPORTING_VIEWS } from "../../../shared/services/reports/views.ts";
import { drain } from "../../../shared/jobs/index.ts";
import { closeDb as closePool } from "../../../shared/db/index.ts";

const sorted = (names: Iterable<string>) => [...names].sort();
/** The reporting-view names a piece of SQL mentions. */
const viewsIn = (sql: string) => new Set(sql.match(/\bmv_[a-z_]+\b/g) ?? []);

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

test("registry: queue.queues has exactly the registry's queues", async () => {
  try {
    const rows = await db()<{ name: string }[]>`select name from queue.queues`;
    const inDb = new Set(rows.map((r) => r.name));
    for (const name of inDb) {
      assert.ok(
        (QUEUE_NAMES as readonly string[]).includes(name),
        `queue.queues row ${name} has no queue in functions/jobs/queues.ts: its jobs would ` +
          "never run and queue.wants_worker() would stay true",
      );
    }
    for (const name of QUEUE_NAMES) {
      assert.ok(inDb.has(name), `queue ${name} has no queue.queues row (add one in a migration)`);
    }
  } finally {
    await closeDb();
  }
});

test("registry: the database's reporting views are REPORTING_VIEWS", async () => {
  try {
    const expected = sorted(REPORTING_VIEWS);
    const views = await db()<{ name: string }[]>`
      select matviewname as name from pg_matviews where schemaname = 'public'`;
    assert.deepEqual(sorted(views.map((v) => v.name)), expected, "public's materialized views");
    const [{ cron, one }] = await db()<{ cron: string; one: string }[]>`
      select pg_get_functiondef('public.refresh_reporting_views()'::regprocedure) as cron,
             pg_get_functiondef('queue.refresh_view(text)'::regprocedure) as one`;
    assert.deepEqual(sorted(viewsIn(cron)), expected, "refresh_reporting_views() refreshes each");
    assert.deepEqual(sorted(viewsIn(one)), expected, "queue.refresh_view() allows each");
    const triggers = await db()<{ name: string; args: string }[]>`
      select t.tgname as name, encode(t.tgargs, 'escape') as args
        from pg_trigger t join pg_proc p on p.oid = t.tgfoid
       where p.proname = 'tg_refresh_reports' and not t.tgisinternal`;
    assert.ok(triggers.length > 0, "the refresh triggers exist");
    for (const t of triggers) {
      const args = t.args.split("\\000").filter(Boolean);
      assert.ok(args.length > 0, `${t.name} names its views`);
      for (const view of args) {
        assert.ok(
          (REPORTING_VIEWS as readonly string[]).includes(view),
          `${t.name} sends refresh_views for ${view}, which is not a reporting view`,
        );
      }
    }
  } finally {
    await closeDb();
  }
});

test("a payload the worker cannot parse is a dead letter after one attempt, not retried", async () => {
  const [{ id }] = await db()<{ id: string }[]>`
    select queue.send('probe', ${db().json({ sleep_ms: "900101-14-5678" })}) as id`;
  try {
    // The stack's scheduler may claim it first; either worker runs the same code.
    await drain(queues, {
      budgetMs: 5_000,
      batch: 10,
      concurrency: 2,
      pollMs: 50,
      lingerMs: 0,
      queues: ["probe"],
    });
    let job: { state: string; attempts: number; last_error: string | null } | undefined;
    for (let i = 0; i < 100 && job?.state !== "dead"; i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      [job] = await db()<{ state: string; attempts: number; last_error: string | null }[]>`
        select state, attempts, last_error from queue.jobs where id = ${id}::uuid`;
    }
    assert.equal(job?.state, "dead", JSON.stringify(job));
    assert.equal(job?.attempts, 1, "dead at once, not after max_attempts");
    assert.match(job!.last_error!, /Permanent: .* at sleep_ms \(not a valid probe payload\)/);
    assert.ok(!job!.last_error!.includes("5678"), "the payload's value is not quoted");
  } finally {
    await db()`delete from queue.jobs where id = ${id}::uuid`;
    await closeDb();
    await closePool();
  }
});
