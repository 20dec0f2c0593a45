/**
 * Payroll as a job: large runs (or any run asked for with `async: true`) answer 202 with a job
 * id, and the worker runs them in steps of `PAYROLL_STEP` assignments — each step one
 * `runPayroll` transaction over a slice of candidates, then a checkpoint. Idempotency is
 * payroll's own (one key per project, candidate and period), so a step that runs twice
 * (worker killed after the step, before the checkpoint) creates nothing the second time.
 *
 * The job acts for the user who asked: each step runs with that user's id and app role, as
 * read again from auth.users when the step runs (a user who lost the role stops the job), so
 * RLS applies exactly as it would have to the synchronous request.
 */
import { z } from "zod";
import type { Caller } from "../../caller.ts";
import { config } from "../../config.ts";
import { asServiceRole, asUser } from "../../db/index.ts";
import { notFound, unprocessable } from "../../errors.ts";
import {
  checkpoint,
  defineQueue,
  type JobRun,
  Permanent,
  sendOrJoin,
  Yielded,
} from "../../jobs/index.ts";
import type { AppRole } from "../../auth.ts";
import { IsoDate, Uuid } from "../../schemas.ts";
import { type PayrollResult, refusePaidDays, runPayroll } from "./payroll.ts";
import { paidOverlapsSql, payrollProjectSql, payrollSizeSql, payrollStepSql } from "./queries.ts";
import { PAYMENT_METHODS, type PayrollInput } from "./types.ts";

/** How a payroll request is answered: the result now, or a job to follow. */
export type PayrollOutcome =
  | { kind: "done"; result: PayrollResult }
  | { kind: "queued"; jobId: string };

/** Counts of a run so far; the job's progress and, at the end, its result. */
export interface PayrollProgress {
  project_id: string;
  period_start: string;
  period_end: string;
  /** Assignments handled so far, of `total` when the run started. */
  done: number;
  total: number;
  created: number;
  existing: number;
  skipped_zero: number;
  steps: number;
  /** The last candidate id handled (the slices go by candidate id). */
  after: string | null;
}

/** A payroll job's payload: the request's values and who asked (ids and dates only). */
const PayrollPayload = z.object({
  input: z.object({
    project_id: Uuid,
    period_start: IsoDate,
    period_end: IsoDate,
    payment_date: IsoDate,
    method: z.enum(PAYMENT_METHODS).optional(),
  }),
  user_id: Uuid,
});
type PayrollPayload = z.output<typeof PayrollPayload>;

const PAYROLL_ROLES: readonly AppRole[] = ["admin", "finance"];

/**
 * Runs payroll now, or queues it when asked to or when the project has more payable
 * assignments than `PAYROLL_ASYNC_THRESHOLD`. One run per project and period while it is live:
 * the same request joins it (the caller may then follow the job), another is a 409.
 */
export async function requestPayroll(
  caller: Caller,
  input: PayrollInput,
  async = false,
): Promise<PayrollOutcome> {
  if (!async) {
    const [size] = await asUser(caller.claims, (tx) => [payrollSizeSql(tx, input.project_id)]);
    if ((size[0]?.n ?? 0) <= config.jobs.payrollAsyncThreshold) {
      return { kind: "done", result: await runPayroll(caller, input) };
    }
  }
  // Refused now rather than as a failed job: a project the caller cannot see, or cancelled.
  const [[project]] = await asUser(
    caller.claims,
    (tx) => [payrollProjectSql(tx, input.project_id)],
  );
  if (!project) throw notFound("Project");
  if (project.status === "cancelled") throw unprocessable("The project is cancelled");
  // The job is the only write, so it needs no business transaction; clients never get
  // queue.send, so it goes on the service path. In the same transaction: days already paid by
  // another period are refused now, not as a failed job.
  const payload: PayrollPayload = { input, user_id: caller.id };
  const jobId = await asServiceRole("payroll enqueue", async (tx) => {
    refusePaidDays(await paidOverlapsSql(tx, input, { exceptSamePeriod: true }));
    return await sendOrJoin(tx, payrollQueue, payload, {
      key: `payroll:${input.project_id}:${input.period_start}:${input.period_end}`,
      of: "project and period",
    });
  });
  return { kind: "queued", jobId };
}

/** The job's caller, rebuilt from auth.users: the role it has NOW, or a permanent failure. */
async function callerOf(userId: string): Promise<Caller> {
  const [user] = await asServiceRole("payroll job caller", (tx) =>
    tx<{ role: string | null }[]>`
      select raw_app_meta_data ->> 'role' as role from auth.users where id = ${userId}::uuid`);
  const role = user?.role as AppRole | null | undefined;
  if (!role || !PAYROLL_ROLES.includes(role)) {
    throw new Permanent("the user who asked for this payroll may no longer run payroll");
  }
  return {
    id: userId,
    appRole: role,
    claims: { sub: userId, role: "authenticated", app_metadata: { role } },
  };
}

/** The `payroll` queue's handler: steps until done, checkpointing after each. */
async function payrollJob(job: JobRun<PayrollPayload>): Promise<PayrollProgress> {
  const { input, user_id } = job.payload;
  const caller = await callerOf(user_id);
  const progress: PayrollProgress = (job.progress as PayrollProgress | null) ?? {
    project_id: input.project_id,
    period_start: input.period_start,
    period_end: input.period_end,
    done: 0,
    total: 0,
    created: 0,
    existing: 0,
    skipped_zero: 0,
    steps: 0,
    after: null,
  };
  const step = config.jobs.payrollStep;
  for (;;) {
    const [next] = await asUser(
      caller.claims,
      (tx) => [payrollStepSql(tx, input.project_id, progress.after, step)],
    );
    const { up_to, remaining } = next[0];
    if (progress.steps === 0) progress.total = remaining;
    if (!up_to) return progress;
    const part = await runPayroll(caller, input, { after: progress.after, upTo: up_to });
    progress.created += part.created;
    progress.existing += part.existing;
    progress.skipped_zero += part.skipped_zero;
    progress.done = Math.min(progress.total, progress.done + Math.min(step, remaining));
    progress.after = up_to;
    progress.steps++;
    // The checkpoint also renews the visibility timeout: a long run keeps its claim.
    if (!await checkpoint(job, progress, job.visibilityTimeoutS)) {
      throw new Error("the claim on this payroll job was lost");
    }
    if (job.timeLeftMs() < 5_000) throw new Yielded(progress);
  }
}

/** The `payroll` queue (registered in functions/jobs/queues.ts). */
export const payrollQueue = defineQueue({
  name: "payroll",
  payload: PayrollPayload,
  handler: payrollJob,
});
