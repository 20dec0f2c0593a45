/**
 * pg_cron really runs jobs on this stack (background workers, no password auth needed):
 * schedules a once-a-minute job that writes a marker row, waits for a succeeded run in
 * cron.job_run_details (pg_cron 1.4 has 1-minute granularity: up to ~70 s), unschedules.
 */
import assert from "node:assert/strict";
import postgres from "postgres";

const dbUrl = Deno.env.get("DB_DIRECT_URL");
const JOB = "test-pg-cron-runs";
const DEADLINE_MS = 75_000;

Deno.test({
  name: "pg_cron executes a scheduled job",
  ignore: !dbUrl,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const sql = postgres(dbUrl!, { max: 1, prepare: false, onnotice: () => {} });
    const marker = crypto.randomUUID();
    try {
      // A real table (the job runs in its own background session, which cannot see temp
      // tables), in its own schema so it never shows up among the app's public tables.
      await sql`create schema if not exists test_probes`;
      await sql`create table if not exists test_probes.pg_cron_probe (marker uuid primary key,
                  ran_at timestamptz not null default now())`;
      const [{ jobid }] = await sql`
        select cron.schedule(${JOB}, '* * * * *',
          ${`insert into test_probes.pg_cron_probe (marker) values ('${marker}') on conflict do nothing`})
          as jobid`;

      const started = Date.now();
      let status: string | undefined;
      while (Date.now() - started < DEADLINE_MS) {
        const [run] = await sql`
          select status from cron.job_run_details
           where jobid = ${jobid} and status in ('succeeded', 'failed')
           order by runid desc limit 1`;
        status = run?.status;
        if (status) break;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
      assert.equal(status, "succeeded", "no succeeded run of the job within the deadline");
      const [probe] = await sql`select count(*)::int as n from test_probes.pg_cron_probe
                                 where marker = ${marker}`;
      assert.equal(probe.n, 1, "the job's insert is visible");
    } finally {
      await sql`select cron.unschedule(jobname) from cron.job where jobname = ${JOB}`;
      await sql`drop schema if exists test_probes cascade`;
      await sql.end();
    }
  },
});
