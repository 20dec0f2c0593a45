/**
 * Payroll runs through the real stack: amounts from working days × daily rate, which assignments
 * count, zero amounts skipped, and idempotency (sequential and concurrent reruns).
 */
import assert from "node:assert/strict";
import { closeDb, crewAs, db, failsWith, routesAs } from "../../helpers/client.ts";
import { makeWorld, randomIc, ranPayroll } from "./fixtures.ts";

Deno.test({
  name: "payments payroll",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w = await makeWorld();
    const staff = async (
      status: string,
      rate: number,
      start: string | null,
      end: string | null,
    ) => {
      const [c] = await db()`
        insert into public.candidates (full_name, ic_number)
        values (${`Payroll ${w.tag}`}, ${randomIc()}) returning id`;
      await db()`
        insert into public.project_staff
          (project_id, candidate_id, status, daily_rate, start_date, end_date)
        values (${w.projectId}, ${c.id}, ${status}, ${rate}, ${start}, ${end})`;
      return c.id as string;
    };
    const weekendOnly = await staff("confirmed", 100, "2025-03-08", "2025-03-09");
    const unpaidRate = await staff("confirmed", 0, null, null);
    const invited = await staff("invited", 100, null, null);
    const cancelled = await staff("cancelled", 100, null, null);
    const completed = await staff("completed", 90.5, "2025-03-14", "2025-03-20");

    const run = (period: { start: string; end: string }, user: "finance" | "admin" = "finance") =>
      routesAs(user).payments("post", "/payments/payroll")({
        body: {
          project_id: w.projectId,
          period_start: period.start,
          period_end: period.end,
          payment_date: "2025-03-31",
        },
      });
    const projectPayments = async () =>
      (await db()`select count(*)::int as n from public.payments
                   where project_id = ${w.projectId}`)[0].n;

    // Mon 3 March – Sun 16 March 2025: 10 working days.
    const march = { start: "2025-03-03", end: "2025-03-16" };
    let firstIds: string[] = [];

    await t.step("first run: one pending payment per paid assignment", async () => {
      const res = ranPayroll(await run(march));
      assert.equal(res.created, 3);
      assert.equal(res.existing, 0);
      assert.equal(res.skipped_zero, 2);
      const lines = res.payments;
      const byCandidate = new Map(lines.map((l) => [l.candidate_id, l]));
      assert.equal(byCandidate.get(w.crew.candidateId)?.amount, "1500.00");
      assert.equal(byCandidate.get(w.crew.candidateId)?.working_days, 10);
      assert.equal(byCandidate.get(w.crew2.candidateId)?.amount, "2000.00");
      assert.equal(byCandidate.get(completed)?.amount, "90.50");
      assert.equal(byCandidate.get(completed)?.working_days, 1);
      for (const skipped of [weekendOnly, unpaidRate, invited, cancelled]) {
        assert.ok(!byCandidate.has(skipped));
      }
      firstIds = lines.map((l) => l.payment_id).sort();
      const rows = await db()`
        select status::text, amount::text, period_start::text, period_end::text
          from public.payments where id = any(${firstIds}::uuid[])`;
      assert.equal(rows.length, 3);
      for (const row of rows) {
        assert.equal(row.status, "pending");
        assert.equal(row.period_start, march.start);
        assert.equal(row.period_end, march.end);
      }
      const keys = await db()`
        select key from public.payment_idempotency_keys
         where key = ${`payroll:${w.projectId}:${w.crew.candidateId}:${march.start}:${march.end}`}`;
      assert.equal(keys.length, 1);
    });

    await t.step("second run creates nothing and returns the same ids", async () => {
      const before = await projectPayments();
      const res = ranPayroll(await run(march, "admin"));
      assert.equal(res.created, 0);
      assert.equal(res.existing, 3);
      const lines = res.payments;
      assert.deepEqual(lines.map((l) => l.payment_id).sort(), firstIds);
      assert.ok(lines.every((l) => !l.created));
      assert.equal(await projectPayments(), before);
    });

    await t.step("concurrent runs of a new period create each payment once", async () => {
      const before = await projectPayments();
      const april = { start: "2025-04-07", end: "2025-04-11" };
      const results = (await Promise.all(Array.from({ length: 6 }, () => run(april))))
        .map(ranPayroll);
      assert.equal(results.reduce((n, r) => n + r.created, 0), 2);
      const idSets = new Set(
        results.map((r) => r.payments.map((l) => l.payment_id).sort().join()),
      );
      assert.equal(idSets.size, 1);
      assert.equal(await projectPayments(), before + 2);
    });

    await t.step("bad input, unknown project, forbidden roles", async () => {
      const before = await projectPayments();
      await failsWith(run({ start: "2025-03-16", end: "2025-03-03" }), 400);
      await failsWith(
        crewAs("finance").payments.payroll({
          project_id: crypto.randomUUID(),
          period_start: "2025-03-01",
          period_end: "2025-03-31",
          payment_date: "2025-03-31",
        }),
        404,
      );
      for (const token of [w.manager.token, w.crew.token]) {
        await failsWith(
          crewAs({ token }).payments.payroll({
            project_id: w.projectId,
            period_start: "2025-05-05",
            period_end: "2025-05-09",
            payment_date: "2025-05-31",
          }),
          403,
        );
      }
      assert.equal(await projectPayments(), before);
    });

    await closeDb();
  },
});
