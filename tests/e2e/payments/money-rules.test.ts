/**
 * Money rules of issue 21 through the functions, each failing on the code before it: nothing is
 * created on a soft-deleted project; no text that a spreadsheet would run as a formula reaches a
 * bank file (refused at input naming the field, and by the database for every other door).
 */
import assert from "node:assert/strict";
import { closeDb, db, DEMO, invoke, tokenAs } from "../../helpers/client.ts";
import { makeWorld, newKey, paymentCount, randomIc } from "./fixtures.ts";

// deno-lint-ignore no-explicit-any
type Body = Record<string, any>;

Deno.test({
  name: "money rules",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const w = await makeWorld();
    // A finance user of its own: the demo one's write budget (120 / 10 s) is the other files'.
    const fin = { id: crypto.randomUUID(), token: "" };
    await db()`insert into auth.users (id, email, raw_app_meta_data)
               values (${fin.id}, ${`finance-${w.tag}@test.local`}, '{"role": "finance"}')`;
    fin.token = await tokenAs(fin.id, "finance");

    await t.step(
      "no payment on a soft-deleted project: 422 naming the rule, nothing written",
      async () => {
        await db()`update public.projects set deleted_at = now() where id = ${w.projectId}`;
        try {
          const before = await paymentCount(w.crew.candidateId);
          const res = await invoke<{ error: { code: string; details?: { constraint?: string } } }>(
            fin,
            "payments",
            {
              method: "POST",
              headers: { "idempotency-key": newKey() },
              body: {
                project_id: w.projectId,
                candidate_id: w.crew.candidateId,
                amount: "120.00",
                payment_date: "2026-11-20",
              },
            },
          );
          assert.ok([404, 422].includes(res.status), `${res.status} ${JSON.stringify(res.data)}`);
          assert.equal(await paymentCount(w.crew.candidateId), before);
        } finally {
          await db()`update public.projects set deleted_at = null where id = ${w.projectId}`;
        }
      },
    );

    await t.step(
      "formula-like text is a 400 naming the field, and the database refuses it too",
      async () => {
        const formula = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\t=1"];
        for (const value of formula) {
          const bank = await invoke<Body>(fin, `candidates/${w.crew.candidateId}/bank`, {
            method: "PUT",
            body: { bank_name: "Maybank", account_number: "5550001111", account_holder: value },
          });
          assert.equal(bank.status, 400, `${value}: ${JSON.stringify(bank.data)}`);
          assert.ok(bank.data.error.details.account_holder, JSON.stringify(bank.data));
          const named = await invoke<Body>("admin", "candidates", {
            method: "POST",
            body: { full_name: value, ic_number: randomIc() },
          });
          assert.equal(named.status, 400, `${value}: ${JSON.stringify(named.data)}`);
          assert.ok(named.data.error.details.full_name);
          const paid = await invoke<Body>(fin, "payments", {
            method: "POST",
            headers: { "idempotency-key": newKey() },
            body: {
              project_id: w.projectId,
              candidate_id: w.crew.candidateId,
              amount: "10.00",
              payment_date: "2026-11-20",
              reference: value,
            },
          });
          assert.equal(paid.status, 400, `${value}: ${JSON.stringify(paid.data)}`);
          assert.ok(paid.data.error.details.reference);
        }
        await assert.rejects(
          db()`insert into public.candidate_bank_accounts
               (candidate_id, bank_name, account_number, account_holder)
             values (${w.crew2.candidateId}, 'CIMB', '5550002222', '=cmd')`,
          (e: { code?: string }) => e.code === "23514",
        );
        // Ordinary text still goes through.
        const ok = await invoke<Body>(fin, `candidates/${w.crew.candidateId}/bank`, {
          method: "PUT",
          body: {
            bank_name: "Maybank",
            account_number: "5550001111",
            account_holder: "Ali bin Abu",
          },
        });
        assert.equal(ok.status, 200, JSON.stringify(ok.data));
      },
    );

    await t.step(
      "four eyes: the creator cannot approve; a changed account undoes approvals",
      async () => {
        const created = await invoke<Body>(fin, "payments", {
          method: "POST",
          headers: { "idempotency-key": newKey() },
          body: {
            project_id: w.projectId,
            candidate_id: w.crew.candidateId,
            amount: "75.00",
            payment_date: "2026-11-21",
          },
        });
        assert.equal(created.status, 201, JSON.stringify(created.data));
        const id = created.data.id;
        const own = await invoke<Body>(fin, `payments/${id}/approve`, { method: "POST" });
        assert.equal(own.status, 403, JSON.stringify(own.data));
        assert.match(own.data.error.message, /someone other than the user who created it/);
        const bulk = await invoke<Body>(fin, "payments/approve", {
          method: "POST",
          body: { ids: [id] },
        });
        assert.equal(bulk.status, 200, JSON.stringify(bulk.data));
        assert.deepEqual(bulk.data.approved, []);
        assert.equal(bulk.data.errors[0].code, "forbidden");
        const second = await invoke<Body>("admin", `payments/${id}/approve`, { method: "POST" });
        assert.equal(second.status, 200, JSON.stringify(second.data));
        assert.equal(second.data.status, "approved");

        // The payee changes their account: the approval was given for the old one.
        const bank = await invoke<Body>(
          { token: w.crew.token },
          `candidates/${w.crew.candidateId}/bank`,
          {
            method: "PUT",
            body: {
              bank_name: "CIMB",
              account_number: "80001112223",
              account_holder: "Crew Member",
            },
          },
        );
        assert.equal(bank.status, 200, JSON.stringify(bank.data));
        const [row] = await db()`select status, approved_by from public.payments where id = ${id}`;
        assert.deepEqual({ ...row }, { status: "pending", approved_by: null });
        const steps = await db()`
        select actor_id, action, after ->> 'status' as status from public.activity_logs
         where entity = 'payments' and entity_id = ${id} order by id`;
        assert.deepEqual(steps.map((s) => [s.actor_id, s.action, s.status]), [
          [fin.id, "insert", "pending"],
          [DEMO.admin, "update", "approved"],
          [w.crew.id, "update", "pending"],
        ]);
      },
    );

    await t.step(
      "no day is paid twice: an overlapping payroll period is a 409 naming the paid days",
      async () => {
        const first = {
          project_id: w.projectId,
          period_start: "2027-02-01",
          period_end: "2027-02-12",
        };
        const paid = await invoke<Body>(fin, "payments/payroll", {
          method: "POST",
          body: { ...first, payment_date: "2027-02-15" },
        });
        assert.equal(paid.status, 200, JSON.stringify(paid.data));
        assert.equal(paid.data.created, 2);
        const before = await paymentCount(w.crew.candidateId);
        const overlap = await invoke<Body>(fin, "payments/payroll", {
          method: "POST",
          body: {
            project_id: w.projectId,
            period_start: "2027-02-08",
            period_end: "2027-02-19",
            payment_date: "2027-02-22",
          },
        });
        assert.equal(overlap.status, 409, JSON.stringify(overlap.data));
        assert.deepEqual(
          overlap.data.error.details.paid.map((p: Body) => [p.paid_from, p.paid_to]),
          [["2027-02-01", "2027-02-12"], ["2027-02-01", "2027-02-12"]],
        );
        assert.equal(await paymentCount(w.crew.candidateId), before, "nothing created");
        const asJob = await invoke<Body>(fin, "payments/payroll", {
          method: "POST",
          body: { ...first, period_start: "2027-02-10", payment_date: "2027-02-22", async: true },
        });
        assert.equal(asJob.status, 409, "refused before it is queued");
        // The same period again is a rerun, not an overlap; the days after it are free.
        const rerun = await invoke<Body>(fin, "payments/payroll", {
          method: "POST",
          body: { ...first, payment_date: "2027-02-15" },
        });
        assert.equal(rerun.status, 200);
        assert.equal(rerun.data.existing, 2);
        const next = await invoke<Body>(fin, "payments/payroll", {
          method: "POST",
          body: {
            project_id: w.projectId,
            period_start: "2027-02-15",
            period_end: "2027-02-26",
            payment_date: "2027-03-01",
          },
        });
        assert.equal(next.status, 200, JSON.stringify(next.data));
        assert.equal(next.data.created, 2);
        // A manual payment naming paid days: the database's rule, 409 too.
        const manual = await invoke<Body>(fin, "payments", {
          method: "POST",
          headers: { "idempotency-key": newKey() },
          body: {
            project_id: w.projectId,
            candidate_id: w.crew.candidateId,
            amount: "10.00",
            payment_date: "2027-03-01",
            period_start: "2027-02-20",
            period_end: "2027-02-20",
          },
        });
        assert.equal(manual.status, 409, JSON.stringify(manual.data));
      },
    );

    await closeDb();
  },
});
