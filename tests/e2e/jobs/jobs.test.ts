/**
 * The job queue through the real stack: requests that become jobs (async payroll, bank files),
 * jobs the database enqueues with a write (notifications, report refreshes), job status for
 * its owner only, the worker's service-role door, and the admin operations. The stack's
 * scheduler drains the queues, as pg_cron + pg_net would on a hosted project.
 */
import assert from "node:assert/strict";
import { CrewApiError, type JobsApi, type PayrollRun } from "../../../client/index.ts";
import {
  type Caller,
  closeDb,
  crewAs,
  db,
  env,
  failsWith,
  invoke,
  routesAs,
} from "../../helpers/client.ts";
import { makeWorld, ranPayroll } from "../payments/fixtures.ts";
import { finished, queued } from "./fixtures.ts";

/** POST /jobs/run (the worker's door) as `who`. */
const run = (who: Caller, body: JobsApi.components["schemas"]["WorkerRun"]) =>
  routesAs(who).jobs("post", "/jobs/run")({ body });

const sha256Hex = async (text: string) =>
  Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");

Deno.test({
  name: "jobs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const w = await makeWorld();

    await t.step("async payroll answers 202 and the job's result matches a rerun", async () => {
      const body: PayrollRun = {
        project_id: w.projectId,
        period_start: "2026-02-02",
        period_end: "2026-02-06",
        payment_date: "2026-02-10",
        async: true,
      };
      const accepted = queued(
        await routesAs("finance").payments("post", "/payments/payroll")({ body }),
      );
      assert.equal(accepted.status_url, `/functions/v1/jobs/${accepted.job_id}`);
      const job = await finished("finance", accepted.job_id);
      assert.equal(job.state, "succeeded", job.last_error ?? "");
      assert.equal(job.queue, "payroll");
      // Two assignments, 5 working days each: 150 × 5 and 200 × 5.
      assert.equal(job.result?.created, 2);
      assert.equal(job.result?.total, 2);
      const { async: _async, ...sync } = body;
      const rerun = ranPayroll(
        await routesAs("finance").payments("post", "/payments/payroll")({ body: sync }),
      );
      assert.equal(rerun.created, 0);
      assert.equal(rerun.existing, 2);
      assert.deepEqual(rerun.payments.map((p) => p.amount).sort(), ["1000.00", "750.00"]);

      // Only the user who asked (and admins) may see the job.
      const seen = await routesAs("admin").jobs("get", "/jobs/{id}")({
        path: { id: accepted.job_id },
      });
      assert.equal(seen.status, 200);
      await failsWith(crewAs("crew").jobs.getById(accepted.job_id), 404);
      await failsWith(crewAs(w.manager).jobs.getById(accepted.job_id), 404);
      await failsWith(crewAs("finance").jobs.getById(crypto.randomUUID()), 404);
      await failsWith(crewAs("finance").jobs.getById("not-a-uuid"), 400);
      // Managers may not run payroll, async or not.
      await failsWith(crewAs(w.manager).payments.payroll(body), 403);
      await failsWith(
        crewAs("finance").payments.payroll({ ...body, project_id: crypto.randomUUID() }),
        404,
      );
    });

    // Approved bank-transfer payments of a period only this test uses, for candidates with a
    // bank account (the crew member) and without one (crew2: never in a file).
    const period = { period_start: "2033-03-01", period_end: "2033-03-31" };
    await db()`
      insert into public.candidate_bank_accounts
        (candidate_id, bank_name, account_number, account_holder)
      values (${w.crew.candidateId}, 'Maybank', '514012345678', 'Test, "Crew" Holder')`;
    const paymentIds: string[] = [];
    for (
      const [candidate, amount, day] of [
        [w.crew.candidateId, "120.10", "2033-03-03"],
        [w.crew.candidateId, "99.95", "2033-03-09"],
        [w.crew2.candidateId, "50.00", "2033-03-10"],
      ]
    ) {
      const [p] = await db()`
        insert into public.payments (project_id, candidate_id, amount, payment_date, status)
        values (${w.projectId}, ${candidate}, ${amount}, ${day}, 'approved') returning id`;
      paymentIds.push(p.id);
    }

    await t.step(
      "a bank file exports each approved payment once, with totals and checksum",
      async () => {
        const finance = routesAs("finance");
        await failsWith(crewAs("crew").payments.exports.create(period), 403);
        await failsWith(
          crewAs("finance").payments.exports.create({
            period_start: "2033-03-31",
            period_end: "2033-03-01",
          }),
          400,
        );

        const accepted = queued(
          await finance.payments("post", "/payments/exports")({ body: period }),
        );
        const job = await finished("finance", accepted.job_id);
        assert.equal(job.state, "succeeded", job.last_error ?? "");
        const fileId = job.result?.file_id as string;
        assert.ok(fileId, JSON.stringify(job.result));

        const file = await finance.payments("get", "/payments/exports/{id}")({
          path: { id: fileId },
        });
        assert.equal(file.status, 200);
        assert.deepEqual(
          file.data.payment_ids.filter((id) => paymentIds.includes(id)),
          paymentIds.slice(0, 2),
        );
        await failsWith(crewAs("manager").payments.exports.getById(fileId), 403);

        // The file itself is CSV: functions.invoke hands it over as text.
        const csv = await finance.payments("get", "/payments/exports/{id}/file")({
          path: { id: fileId },
        });
        assert.equal(csv.status, 200);
        assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
        const lines = csv.data.split("\r\n").filter(Boolean);
        assert.match(lines[0], new RegExp(`^H,crew-backend,${fileId},`));
        const details = lines.filter((l) => l.startsWith("D,"));
        assert.equal(details.length, file.data.payments_count);
        const ours = details.filter((l) => paymentIds.some((id) => l.includes(id)));
        assert.equal(ours.length, 2);
        assert.ok(ours[0].includes('"Test, ""Crew"" Holder"'), ours[0]);
        assert.ok(ours[0].includes(",514012345678,"), ours[0]);
        const trailer = lines.at(-1)!.split(",");
        assert.equal(trailer[0], "T");
        assert.equal(Number(trailer[1]), details.length);
        assert.equal(trailer[2], file.data.total_amount);
        assert.equal(trailer[3], await sha256Hex(details.join("\r\n")));
        assert.equal(trailer[3], file.data.checksum);

        // Again for the same period: nothing left to export.
        const again = await crewAs("finance").payments.exports.create(period);
        const second = await finished("finance", again.job_id);
        assert.equal(second.state, "succeeded");
        const exported = await db()`
        select payment_id from private.bank_file_payments where payment_id = any(${paymentIds}::uuid[])`;
        assert.equal(exported.length, 2);

        // In a file, a payment can only be paid or failed: cancelling it is a 409.
        await failsWith(crewAs("finance").payments.cancel(paymentIds[0]), 409);
        // (Paying it is the next step's.)
      },
    );

    await t.step("paying a payment tells the crew member, without IC or bank numbers", async () => {
      const [cand] = await db()`
        update public.candidates set email = ${`crew-${w.tag}@test.local`}
         where id = ${w.crew.candidateId} returning ic_number`;
      const paid = await routesAs("finance").payments("post", "/payments/{id}/pay")({
        path: { id: paymentIds[0] },
        body: { reference: "TT-1" },
      });
      assert.equal(paid.status, 200, JSON.stringify(paid.data));
      const key = `payment_paid:${paymentIds[0]}`;
      let sent: { body: string; subject: string; recipient: string; channel: string }[] = [];
      for (let i = 0; i < 100 && !sent.length; i++) {
        sent = await db()`
          select body, subject, recipient, channel from private.notifications_sent
           where message_key = ${key}`;
        if (!sent.length) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(sent.length, 1, "one message recorded");
      assert.equal(sent[0].channel, "email");
      assert.match(sent[0].body, /RM 120\.10/);
      for (const secret of [cand.ic_number, "514012345678", "Maybank"]) {
        assert.ok(!sent[0].body.includes(secret) && !sent[0].subject.includes(secret), secret);
      }
      const jobs = await db()`select count(*)::int as n from (
        select id from queue.jobs where dedupe_key = ${key}
        union all select id from queue.archive where dedupe_key = ${key}) j`;
      assert.equal(jobs[0].n, 1, "one job per payment paid");
    });

    await t.step("a write queues a debounced refresh of the reporting views", async () => {
      const [before] = await db()`select max(refreshed_at) as at from public.mv_project_financials`;
      await db()`update public.projects set venue = ${`Hall ${w.tag}`} where id = ${w.projectId}`;
      await db()`
        insert into public.project_staff (project_id, candidate_id, status, daily_rate)
        select ${w.project2Id}, id, 'invited', 10 from public.candidates
         where id = ${w.crew.candidateId}`;
      const waiting = await db()`
        select count(*)::int as n from queue.jobs
         where queue = 'refresh_views' and coalesce_key = 'mv_project_financials' and state = 'queued'`;
      assert.equal(waiting[0].n, 1, "coalesced into one waiting job");
      let after = before.at;
      for (let i = 0; i < 100 && +after === +before.at; i++) {
        await new Promise((r) => setTimeout(r, 300));
        [{ at: after }] =
          await db()`select max(refreshed_at) as at from public.mv_project_financials`;
      }
      assert.ok(+after > +before.at, "refreshed by the job");
    });

    await t.step("the worker door is the service role's only", async () => {
      // POST /jobs/run is left out of the client's services (the service role's key never
      // belongs in an app), so through its typed route.
      await failsWith(run("admin", {}), 403);
      const anon = await run("anon", {}).then(() => undefined, (e: unknown) => e);
      assert.ok(anon instanceof CrewApiError, `anon: ${anon}`);
      assert.ok([401, 403].includes(anon.status), String(anon.status));
      const service = { token: env("SUPABASE_SERVICE_ROLE_KEY") };
      const asService = await run(service, { queues: ["probe"], budget_ms: 1000 });
      assert.equal(asService.status, 200, JSON.stringify(asService.data));
      assert.equal(asService.data.errors, 0);
      // Raw: a queue that does not exist (the types allow only the registered ones).
      const bad = await invoke(service, "jobs/run", {
        method: "POST",
        body: { queues: ["nope"] },
      });
      assert.equal(bad.status, 400);
    });

    await t.step("admins see the queues and may cancel, retry or discard", async () => {
      const admin = routesAs("admin");
      const queues = await admin.jobs("get", "/jobs/queues")({});
      assert.equal(queues.status, 200);
      assert.deepEqual(queues.data.queues.map((q) => q.queue).sort(), [
        "bank_file",
        "notify",
        "payroll",
        "probe",
        "refresh_views",
      ]);
      await failsWith(crewAs("finance").jobs.queues(), 403);

      const probe = await admin.jobs("post", "/jobs/probe")({ body: { count: 2, sleep_ms: 0 } });
      assert.equal(probe.status, 202);
      for (const id of probe.data.job_ids) {
        assert.equal((await finished("admin", id)).state, "succeeded");
      }

      // A job that waits a minute: cancel it, then nothing else applies to it.
      const [{ id }] = await db()`select queue.send('probe', '{}', 60) as id`;
      const cancelled = await admin.jobs("post", "/jobs/{id}/cancel")({ path: { id } });
      assert.equal(cancelled.status, 200);
      assert.equal(cancelled.data.state, "cancelled");
      await failsWith(crewAs("admin").jobs.cancel(id), 409);
      await failsWith(crewAs("admin").jobs.retry(id), 409);
      await failsWith(crewAs("admin").jobs.discard(crypto.randomUUID()), 404);
      await failsWith(crewAs("finance").jobs.retry(id), 403);
      const dead = await admin.jobs("get", "/jobs/dead")({ query: { queue: "notify" } });
      assert.equal(dead.status, 200);
      assert.ok(Array.isArray(dead.data.data));
    });

    await closeDb();
  },
});
