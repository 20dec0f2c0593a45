/**
 * A payroll run or a bank file asked for while the same one is live: the same request joins the
 * job, and every caller answered with it may follow it; other values for the same project and
 * period are a 409 naming the live job (they were merged into it, silently, before). The
 * scheduler is stopped so the jobs stay queued while the requests arrive.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import type { BankFileRequest, PayrollRun } from "../../../client/index.ts";
import {
  type Caller,
  crewAs,
  db,
  env,
  failsWith,
  routesAs,
  tokenAs,
} from "../../helpers/client.ts";
import { withoutScheduler } from "../../helpers/scheduler.ts";
import { makeWorld } from "../../e2e/payments/fixtures.ts";
import { finished, queued } from "../../e2e/jobs/fixtures.ts";

const payroll = (who: Caller, body: PayrollRun) =>
  routesAs(who).payments("post", "/payments/payroll")({ body });
const bankFile = (who: Caller, body: BankFileRequest) =>
  routesAs(who).payments("post", "/payments/exports")({ body });
const job = (who: Caller, id: string) => routesAs(who).jobs("get", "/jobs/{id}")({ path: { id } });

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
    const body: PayrollRun = {
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
        const first = queued(await payroll("finance", body));
        payrollJob = first.job_id;
        const same = queued(await payroll(other, body));
        assert.equal(same.job_id, payrollJob, "the same request joins the live job");
        const seen = await job(other, payrollJob);
        assert.equal(seen.status, 200, "the joiner may follow the job it was answered with");

        for (
          const [who, changed] of [
            ["finance", { payment_date: "2027-06-15" }],
            [other, { method: "duitnow" }],
          ] as const
        ) {
          const error = await failsWith(
            crewAs(who).payments.payroll({ ...body, ...changed }),
            409,
          );
          const details = error.details as {
            job_id: string;
            running: { input: { payment_date: string } };
          };
          assert.equal(details.job_id, payrollJob);
          assert.equal(details.running.input.payment_date, "2027-06-14");
        }
        const crewSees = await failsWith(crewAs("crew").jobs.getById(payrollJob), 404);
        assert.equal(crewSees.status, 404, "watching is for those answered with the job");

        const file = queued(await bankFile("finance", period));
        const fileAgain = await bankFile(other, period);
        assert.equal(fileAgain.data.job_id, file.job_id);
        assert.equal((await job(other, file.job_id)).status, 200);
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
