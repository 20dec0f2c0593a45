/**
 * A large payroll run as a job, in steps: with PAYROLL_STEP = 2, five assignments take three
 * steps, each checkpointed (progress survives), the counts add up, running the same job again
 * creates nothing (payroll's own keys), and a worker short of time hands the job back between
 * steps without losing its progress or counting a failed attempt. The worker runs in-process here, so the stack's
 * scheduler is stopped for the test (it would drain the job through the gateway first).
 */
import assert from "node:assert/strict";
import { config } from "../../../shared/config.ts";
import { closeDb as closePool } from "../../../shared/db/index.ts";
import { queues } from "../../../functions/jobs/queues.ts";
import { drain } from "../../../shared/jobs/index.ts";
import { requestPayroll } from "../../../shared/services/payments/index.ts";
import { closeDb, db, DEMO } from "../../helpers/client.ts";
import { makeWorld, randomIc } from "../../e2e/payments/fixtures.ts";

const stack = async (command: string, ...args: string[]) => {
  const out = await new Deno.Command("bash", { args: ["scripts/stack.sh", command, ...args] })
    .output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
};

const drainPayroll = (budgetMs = 10_000) =>
  drain(queues, {
    budgetMs,
    batch: 5,
    concurrency: 1,
    pollMs: 50,
    lingerMs: 0,
    queues: ["payroll"],
  });

Deno.test({
  name: "payroll job: steps, checkpoints, rerun creates nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const w = await makeWorld();
    for (let i = 0; i < 3; i++) {
      const [c] = await db()`
        insert into public.candidates (full_name, ic_number)
        values (${`Steps ${w.tag} ${i}`}, ${randomIc()}) returning id`;
      await db()`
        insert into public.project_staff (project_id, candidate_id, status, daily_rate)
        values (${w.projectId}, ${c.id}, 'confirmed', 100)`;
    }
    const finance = {
      id: DEMO.finance,
      appRole: "finance" as const,
      claims: {
        sub: DEMO.finance,
        role: "authenticated" as const,
        app_metadata: { role: "finance" },
      },
    };
    const input = {
      project_id: w.projectId,
      period_start: "2026-03-02",
      period_end: "2026-03-06",
      payment_date: "2026-03-10",
    };
    const step = config.jobs.payrollStep;
    await stack("stop-scheduler");
    try {
      config.jobs.payrollStep = 2;
      const first = await requestPayroll(finance, input, true);
      assert.equal(first.kind, "queued");
      if (first.kind !== "queued") return;
      // Asked again while it waits: the same job.
      const again = await requestPayroll(finance, input, true);
      assert.deepEqual(again, first);

      const report = await drainPayroll();
      assert.equal(report.succeeded, 1, JSON.stringify(report));
      const [done] =
        await db()`select result, progress from queue.archive where id = ${first.jobId}`;
      assert.equal(done.result.steps, 3);
      assert.equal(done.result.total, 5);
      assert.equal(done.result.done, 5);
      assert.equal(done.result.created, 5);
      assert.deepEqual(done.progress, done.result, "the last checkpoint is the result");
      const [{ n }] = await db()`
        select count(*)::int as n from public.payments
         where project_id = ${w.projectId} and period_start = '2026-03-02'`;
      assert.equal(n, 5);

      // The same run again (a second job): everything exists already.
      const rerun = await requestPayroll(finance, input, true);
      assert.ok(rerun.kind === "queued" && rerun.jobId !== first.jobId);
      assert.equal((await drainPayroll()).succeeded, 1);
      const [second] = await db()`
        select result from queue.archive where id = ${rerun.kind === "queued" ? rerun.jobId : ""}`;
      assert.equal(second.result.created, 0);
      assert.equal(second.result.existing, 5);
      const [{ m }] = await db()`
        select count(*)::int as m from public.payments
         where project_id = ${w.projectId} and period_start = '2026-03-02'`;
      assert.equal(m, 5, "no payment twice");

      // Short of time (under 5 s left after a step), the job hands itself back after each
      // step with its progress, and the next claim carries on from the checkpoint.
      const later = { ...input, period_start: "2026-03-09", period_end: "2026-03-13" };
      const yielding = await requestPayroll(finance, later, true);
      const short = await drainPayroll(5_000);
      assert.equal(short.succeeded, 1, JSON.stringify(short));
      assert.ok(short.released >= 2, JSON.stringify(short));
      const [third] = await db()`
        select result, attempts from queue.archive
         where id = ${yielding.kind === "queued" ? yielding.jobId : ""}`;
      assert.equal(third.result.created, 5);
      assert.equal(third.result.steps, 3);
      assert.equal(third.attempts, 1, "handing back is not a failed attempt");
    } finally {
      config.jobs.payrollStep = step;
      await stack("start", "scheduler");
      await closePool();
      await closeDb();
    }
  },
});
