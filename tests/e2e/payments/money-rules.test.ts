/**
 * Money rules of issue 21 through the functions, each failing on the code before it: nothing is
 * created on a soft-deleted project; no text that a spreadsheet would run as a formula reaches a
 * bank file (refused at input naming the field, and by the database for every other door).
 */
import assert from "node:assert/strict";
import { CrewApiError, type PaymentCreate } from "../../../client/index.ts";
import { closeDb, crewAs, db, DEMO, failsWith, routesAs, tokenAs } from "../../helpers/client.ts";
import { makeWorld, newKey, paymentCount, randomIc, ranPayroll } from "./fixtures.ts";

/** POST /payments as `who` with a fresh Idempotency-Key, with the answer's status. */
const createPayment = (who: { token: string } | "admin", body: PaymentCreate) =>
  routesAs(who).payments("post", "/payments")({
    body,
    header: { "idempotency-key": newKey() },
  });

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
          const error = await createPayment(fin, {
            project_id: w.projectId,
            candidate_id: w.crew.candidateId,
            amount: "120.00",
            payment_date: "2026-11-20",
          }).then((res) => res, (e: unknown) => e);
          assert.ok(
            error instanceof CrewApiError && [404, 422].includes(error.status),
            error instanceof CrewApiError
              ? `${error.status} ${error.code} ${error.message}`
              : JSON.stringify(error),
          );
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
          const bank = await failsWith(
            crewAs(fin).candidates.setBank(w.crew.candidateId, {
              bank_name: "Maybank",
              account_number: "5550001111",
              account_holder: value,
            }),
            400,
          );
          assert.ok(bank.details?.account_holder, `${value}: ${JSON.stringify(bank.details)}`);
          const named = await failsWith(
            crewAs("admin").candidates.create({ full_name: value, ic_number: randomIc() }),
            400,
          );
          assert.ok(named.details?.full_name, `${value}: ${JSON.stringify(named.details)}`);
          const paid = await failsWith(
            createPayment(fin, {
              project_id: w.projectId,
              candidate_id: w.crew.candidateId,
              amount: "10.00",
              payment_date: "2026-11-20",
              reference: value,
            }),
            400,
          );
          assert.ok(paid.details?.reference, `${value}: ${JSON.stringify(paid.details)}`);
        }
        await assert.rejects(
          db()`insert into public.candidate_bank_accounts
               (candidate_id, bank_name, account_number, account_holder)
             values (${w.crew2.candidateId}, 'CIMB', '5550002222', '=cmd')`,
          (e: { code?: string }) => e.code === "23514",
        );
        // Ordinary text still goes through.
        const ok = await routesAs(fin).candidates("put", "/candidates/{id}/bank")({
          path: { id: w.crew.candidateId },
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
        const created = await createPayment(fin, {
          project_id: w.projectId,
          candidate_id: w.crew.candidateId,
          amount: "75.00",
          payment_date: "2026-11-21",
        });
        assert.equal(created.status, 201, JSON.stringify(created.data));
        const id = created.data.id;
        const own = await failsWith(crewAs(fin).payments.approve(id), 403);
        assert.match(own.message, /someone other than the user who created it/);
        const bulk = await routesAs(fin).payments("post", "/payments/approve")({
          body: { ids: [id] },
        });
        assert.equal(bulk.status, 200, JSON.stringify(bulk.data));
        assert.deepEqual(bulk.data.approved, []);
        assert.equal(bulk.data.errors[0].code, "forbidden");
        const second = await routesAs("admin").payments("post", "/payments/{id}/approve")({
          path: { id },
        });
        assert.equal(second.status, 200, JSON.stringify(second.data));
        assert.equal(second.data.status, "approved");

        // The payee changes their account: the approval was given for the old one.
        const bank = await routesAs({ token: w.crew.token }).candidates(
          "put",
          "/candidates/{id}/bank",
        )({
          path: { id: w.crew.candidateId },
          body: {
            bank_name: "CIMB",
            account_number: "80001112223",
            account_holder: "Crew Member",
          },
        });
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
        const payroll = routesAs(fin).payments("post", "/payments/payroll");
        const paid = ranPayroll(await payroll({ body: { ...first, payment_date: "2027-02-15" } }));
        assert.equal(paid.created, 2);
        const before = await paymentCount(w.crew.candidateId);
        const overlap = await failsWith(
          crewAs(fin).payments.payroll({
            project_id: w.projectId,
            period_start: "2027-02-08",
            period_end: "2027-02-19",
            payment_date: "2027-02-22",
          }),
          409,
        );
        const overlapping = overlap.details?.paid as { paid_from: string; paid_to: string }[];
        assert.deepEqual(
          overlapping.map((p) => [p.paid_from, p.paid_to]),
          [["2027-02-01", "2027-02-12"], ["2027-02-01", "2027-02-12"]],
        );
        assert.equal(await paymentCount(w.crew.candidateId), before, "nothing created");
        const asJob = await failsWith(
          crewAs(fin).payments.payroll({
            ...first,
            period_start: "2027-02-10",
            payment_date: "2027-02-22",
            async: true,
          }),
          409,
        );
        assert.equal(asJob.status, 409, "refused before it is queued");
        // The same period again is a rerun, not an overlap; the days after it are free.
        const rerun = ranPayroll(await payroll({ body: { ...first, payment_date: "2027-02-15" } }));
        assert.equal(rerun.existing, 2);
        const next = ranPayroll(
          await payroll({
            body: {
              project_id: w.projectId,
              period_start: "2027-02-15",
              period_end: "2027-02-26",
              payment_date: "2027-03-01",
            },
          }),
        );
        assert.equal(next.created, 2);
        // A manual payment naming paid days: the database's rule, 409 too.
        await failsWith(
          createPayment(fin, {
            project_id: w.projectId,
            candidate_id: w.crew.candidateId,
            amount: "10.00",
            payment_date: "2027-03-01",
            period_start: "2027-02-20",
            period_end: "2027-02-20",
          }),
          409,
        );
      },
    );

    await closeDb();
  },
});
