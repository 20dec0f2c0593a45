/**
 * A payroll run or a bank file asked for while the same one is live: the same request joins the
 * job, and every caller answered with it may follow it; other values for the same project and
 * period are a 409 naming the live job (they were merged into it, silently, before). The
 * scheduler is stopped so the jobs stay queued while the requests arrive.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { db, env, invoke, tokenAs } from "../../helpers/client.ts";
import { withoutScheduler } from "../../helpers/scheduler.ts";
import { makeWorld } from "../../e2e/payments/fixtures.ts";
import { finished } from "../../e2e/jobs/fixtures.ts";

// deno-lint-ignore no-explicit-any
type Body = Record<string, any>;

Deno.test({
  name: "the same run joins the live job; other values are a 409",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const w = await makeWorld();
    const finance2 = crypto.randomUUID();
    await db()`insert into auth.users (id, email, raw_app_meta_data)
               values (${finance2}, ${`finance2-${w.tag}@test.local`}, '{"role": "finance"}')`;
    const other = { token: await tokenAs(finance2, "finance") };
    const body = {
      project_id: w.projectId,
      period_start: "2027-06-07",
      period_end: "2027-06-11",
      payment_date: "2027-06-14",
      async: true,
    };
    const period = { period_start: "2031-04-01", period_end: "2031-04-30" };
    const sql = postgres(env("DB_DIRECT_URL"), { max: 2, prepare: false, onnotice: () => {} });
    let payrollJob = "";
    try {
      await withoutScheduler(sql, async () => {
        const first = await invoke<Body>("finance", "payments/payroll", { method: "POST", body });
        assert.equal(first.status, 202, JSON.stringify(first.data));
        payrollJob = first.data.job_id;
        const same = await invoke<Body>(other, "payments/payroll", { method: "POST", body });
        assert.equal(same.status, 202, JSON.stringify(same.data));
        assert.equal(same.data.job_id, payrollJob, "the same request joins the live job");
        const seen = await invoke<Body>(other, `jobs/${payrollJob}`);
        assert.equal(seen.status, 200, "the joiner may follow the job it was answered with");

        for (
          const [who, changed] of [
            ["finance", { payment_date: "2027-06-15" }],
            [other, { method: "duitnow" }],
          ] as const
        ) {
          const res = await invoke<Body>(who, "payments/payroll", {
            method: "POST",
            body: { ...body, ...changed },
          });
          assert.equal(res.status, 409, JSON.stringify(res.data));
          assert.equal(res.data.error.details.job_id, payrollJob);
          assert.equal(res.data.error.details.running.input.payment_date, "2027-06-14");
        }
        const crewSees = await invoke("crew", `jobs/${payrollJob}`);
        assert.equal(crewSees.status, 404, "watching is for those answered with the job");

        const file = await invoke<Body>("finance", "payments/exports", {
          method: "POST",
          body: period,
        });
        assert.equal(file.status, 202, JSON.stringify(file.data));
        const fileAgain = await invoke<Body>(other, "payments/exports", {
          method: "POST",
          body: period,
        });
        assert.equal(fileAgain.data.job_id, file.data.job_id);
        assert.equal((await invoke(other, `jobs/${file.data.job_id}`)).status, 200);
      });
      // With the scheduler back, the one run pays each assignment once.
      const done = await finished(other, payrollJob);
      assert.equal(done.state, "succeeded", done.last_error ?? "");
      const [{ n }] = await db()`select count(*)::int as n from public.payments
                                  where project_id = ${w.projectId} and period_start = '2027-06-07'`;
      assert.equal(n, 2);
    } finally {
      await sql.end();
    }
  },
});
