/**
 * Every queue's handler. Each is idempotent by construction — a job that runs twice (its
 * worker killed after the work, before the finish) changes nothing the second time:
 * - payroll: payroll's own keys per project, candidate and period;
 * - bank_file: the file is keyed by the job id and rebuilt from the payments it took;
 * - notify: the message key (one recorded row; providers get it as Idempotency-Key);
 * - refresh_views: a refresh is a refresh (and absorbs the same view's waiting ones first);
 * - probe: does nothing (optionally for a while), for end-to-end checks and the benchmark.
 */
import { asServiceRole } from "../db/index.ts";
import { bankFileJob } from "../services/payments/bank-file.ts";
import { payrollJob } from "../services/payments/payroll-job.ts";
import { notifyJob } from "../services/notifications/index.ts";
import type { Handlers, JobRun } from "./worker.ts";

const REPORTING_VIEWS = ["mv_project_financials", "mv_monthly_payments", "mv_candidate_earnings"];

async function refreshViewsJob(job: JobRun) {
  const view = String(job.payload.view);
  if (!REPORTING_VIEWS.includes(view)) throw new Error(`not a reporting view: ${view}`);
  // First (and committed on its own): the waiting refreshes of this view that this one covers.
  const [{ absorbed }] = await asServiceRole(
    "refresh absorb",
    (tx) =>
      tx<
        { absorbed: number }[]
      >`select queue.absorb(${job.id}::uuid, ${job.claim}::uuid) as absorbed`,
  );
  const started = performance.now();
  await asServiceRole("refresh view", (tx) => tx`select queue.refresh_view(${view})`, {
    statementTimeoutMs: 0,
  });
  return { view, absorbed, ms: Math.round(performance.now() - started) };
}

async function probeJob(job: JobRun) {
  const sleepMs = Math.min(Number(job.payload.sleep_ms ?? 0) || 0, 60_000);
  if (sleepMs > 0) await new Promise((resolve) => setTimeout(resolve, sleepMs));
  return { ok: true, attempt: job.attempts };
}

export const handlers: Handlers = {
  payroll: payrollJob,
  bank_file: bankFileJob,
  notify: notifyJob,
  refresh_views: refreshViewsJob,
  probe: probeJob,
};
