/**
 * A bank file's bytes never change once its payments are taken, and what is in a file stays
 * there: the `bank_file` handler, run in-process twice on one job id (a retry) with the payee's
 * account changed and another payee's bank row deleted in between, writes the same bytes, and
 * its header total is the sum of its lines; a payment in the file can only be paid or failed.
 */
import assert from "node:assert/strict";
import { closeDb, db } from "../../helpers/client.ts";
import { bankFileJob, type BankFilePayload } from "../../../shared/services/payments/bank-file.ts";
import { fileStore } from "../../../shared/files/index.ts";
import { closeDb as closePool } from "../../../shared/db/index.ts";
import type { JobRun } from "../../../shared/jobs/index.ts";
import { makeWorld } from "../../e2e/payments/fixtures.ts";

const attempt = (id: string, payload: BankFilePayload): JobRun<BankFilePayload> => ({
  id,
  queue: "bank_file",
  payload,
  attempts: 1,
  maxAttempts: 5,
  visibilityTimeoutS: 120,
  claim: crypto.randomUUID(),
  progress: null,
  createdBy: null,
  createdAt: new Date().toISOString(),
  timeLeftMs: () => 60_000,
});

Deno.test({
  name:
    "a bank file is written from the claim's copy: same bytes on retry, lines sum to the header",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const w = await makeWorld();
    const period = { period_start: "2034-05-01", period_end: "2034-05-31" };
    await db()`insert into public.candidate_bank_accounts
                 (candidate_id, bank_name, account_number, account_holder)
               values (${w.crew.candidateId}, 'Maybank', '5550003333', 'First Holder'),
                      (${w.crew2.candidateId}, 'CIMB', '5550004444', 'Second Holder')`;
    const ids: string[] = [];
    for (
      const [candidate, amount] of [[w.crew.candidateId, "100.10"], [w.crew2.candidateId, "50.05"]]
    ) {
      const [p] = await db()`
        insert into public.payments (project_id, candidate_id, amount, payment_date, status)
        values (${w.projectId}, ${candidate}, ${amount}, '2034-05-15', 'approved') returning id`;
      ids.push(p.id);
    }
    const jobId = crypto.randomUUID();
    const payload = { ...period, user_id: w.manager.id };
    try {
      const first = await bankFileJob(attempt(jobId, payload)) as Record<string, string>;
      assert.equal(first.payments_count, 2);
      const [file] = await db()`select storage_path from private.bank_files where id = ${jobId}`;
      const [logged] = await db()`
        select actor_id, actor_role, after from public.activity_logs
         where entity = 'bank_files' and entity_id = ${jobId}`;
      assert.equal(logged.actor_id, w.manager.id, "the export is audited with who asked");
      assert.deepEqual(logged.after.payment_ids, [...ids].sort(), "and the payments in line order");
      const bytes1 = new TextDecoder().decode((await fileStore().get(file.storage_path))!.bytes);

      // Between attempts: the first payee changes their account, the second's row goes.
      await db()`update public.candidate_bank_accounts set account_number = '9990001111',
                        account_holder = 'Someone Else' where candidate_id = ${w.crew.candidateId}`;
      await db()`delete from public.candidate_bank_accounts where candidate_id = ${w.crew2.candidateId}`;
      const second = await bankFileJob(attempt(jobId, payload)) as Record<string, string>;
      const bytes2 = new TextDecoder().decode((await fileStore().get(file.storage_path))!.bytes);
      assert.equal(bytes2, bytes1, "the retry wrote the same bytes");
      assert.equal(second.checksum, first.checksum);
      assert.match(bytes2, /First Holder,Maybank,5550003333,100\.10/);
      assert.match(bytes2, /Second Holder,CIMB,5550004444,50\.05/);
      const lines = bytes2.split("\r\n").filter((l) => l.startsWith("D,"));
      const sum = lines.reduce((a, l) => a + Math.round(Number(l.split(",")[6]) * 100), 0);
      const trailer = bytes2.split("\r\n").find((l) => l.startsWith("T,"))!.split(",");
      assert.equal(trailer[1], "2");
      assert.equal(Math.round(Number(trailer[2]) * 100), sum, "the header total is the lines' sum");

      // In a file: cancelling, editing or deleting is refused; paying is not.
      for (
        const statement of [
          db()`update public.payments set status = 'cancelled' where id = ${ids[0]}`,
          db()`update public.payments set amount = 999 where id = ${ids[0]}`,
          db()`delete from public.payments where id = ${ids[1]}`,
        ]
      ) {
        await assert.rejects(
          statement,
          (e: { constraint_name?: string }) => e.constraint_name === "payments_exported",
        );
      }
      await db()`update public.payments set status = 'paid' where id = ${ids[0]}`;
      await db()`update public.payments set status = 'failed', failure_reason = 'returned'
                  where id = ${ids[1]}`;
    } finally {
      await closePool();
      await closeDb();
    }
  },
});
