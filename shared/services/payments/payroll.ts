/**
 * Payroll runs: one pending payment per confirmed or completed assignment of a project that
 * overlaps the period, amount = working days (Mon–Fri) of the overlap × daily_rate, zero amounts
 * skipped. Idempotent through deterministic keys in payment_idempotency_keys,
 * `payroll:<project>:<candidate>:<period_start>:<period_end>`: running the same period again
 * (or twice at once) creates nothing new and returns the same payment ids. A different period
 * that overlaps a paid one is a 409 naming the paid ranges (no day is paid twice).
 */
import type { Caller } from "../../caller.ts";
import { asServiceRole } from "../../db/index.ts";
import { conflict, notFound, unprocessable } from "../../errors.ts";
import { actAsCaller, actAsService, requestHash } from "./idempotency.ts";
import { type ChangedPayment, paymentChanges } from "./cache.ts";
import { invalidating } from "../../cache/outbox.ts";
import {
  claimPayrollKeysSql,
  insertPayrollSql,
  paidOverlapsSql,
  type PaidRange,
  type PayrollLineRow,
  payrollLinesSql,
  payrollProjectSql,
  type PayrollSlice,
  readPayrollResponsesSql,
  storePayrollResponsesSql,
} from "./queries.ts";
import { day, type PayrollInput } from "./types.ts";

/** One payee of a payroll run. */
export interface PayrollLine {
  payment_id: string;
  candidate_id: string;
  amount: string;
  working_days: number;
  payment_date: string;
  /** False when an earlier run already paid this assignment for this period. */
  created: boolean;
}

export interface PayrollResult {
  project_id: string;
  period_start: string;
  period_end: string;
  created: number;
  existing: number;
  skipped_zero: number;
  payments: PayrollLine[];
}

/** The deterministic idempotency key of one assignment's pay for one period. */
export const payrollKey = (projectId: string, candidateId: string, start: string, end: string) =>
  `payroll:${projectId}:${candidateId}:${start}:${end}`;

type ComputedLine = Pick<PayrollLineRow, "candidate_id" | "days" | "amount">;

/**
 * A run that would pay days already paid (another period overlapping this one, for the same
 * project and candidate) is refused whole, naming the paid ranges: finance asks again for the
 * unpaid days. The database refuses it anyway (payment_periods_no_overlap); this says which.
 */
export function refusePaidDays(paid: PaidRange[]): void {
  if (!paid.length) return;
  throw conflict(
    `${paid.length} payment(s) already pay days of this period: ask for the days after ${
      paid.map((p) => p.paid_to).sort().at(-1)
    } or before ${paid.map((p) => p.paid_from).sort()[0]}`,
    { paid },
  );
}

/**
 * Runs payroll for one project and period. Reads run as the caller (RLS: admin and finance see
 * every assignment); keys are claimed on the service path, payments inserted as the caller.
 */
export async function runPayroll(
  caller: Caller,
  input: PayrollInput,
  slice: PayrollSlice = {},
): Promise<PayrollResult> {
  const changed: ChangedPayment[] = [];
  const result = await invalidating((o) =>
    asServiceRole("payroll idempotency keys", async (tx) => {
      changed.length = 0;
      await actAsCaller(tx, caller.claims);
      const [[project], all] = await Promise.all([
        payrollProjectSql(tx, input.project_id),
        payrollLinesSql(tx, input, slice),
      ]);
      if (!project) throw notFound("Project");
      if (project.status === "cancelled") throw unprocessable("The project is cancelled");
      const lines = all.filter((l) => Number(l.amount) > 0);
      const keyOf = (l: ComputedLine) =>
        payrollKey(input.project_id, l.candidate_id, input.period_start, input.period_end);
      const keys = lines.map(keyOf);

      // Claim keys in a fixed (sorted) order so two concurrent runs cannot deadlock on them.
      await actAsService(tx);
      const hashes = await Promise.all(keys.map((key) => requestHash({ key })));
      const claimed = new Set(
        (await claimPayrollKeysSql(tx, keys, hashes, caller.id)).map((r) => r.key),
      );
      const fresh = lines.filter((l) => claimed.has(keyOf(l)));
      if (fresh.length) {
        refusePaidDays(
          await paidOverlapsSql(tx, input, { candidates: fresh.map((l) => l.candidate_id) }),
        );
      }

      let inserted: {
        id: string;
        candidate_id: string;
        amount: string;
        payment_date: string | Date;
      }[] = [];
      if (fresh.length) {
        await actAsCaller(tx, caller.claims);
        inserted = await insertPayrollSql(tx, input, fresh);
        await actAsService(tx);
      }
      const byCandidate = new Map(lines.map((l) => [l.candidate_id, l]));
      const createdLines: PayrollLine[] = inserted.map((p) => ({
        payment_id: p.id,
        candidate_id: p.candidate_id,
        amount: String(p.amount),
        working_days: byCandidate.get(p.candidate_id)!.days,
        payment_date: day(p.payment_date)!,
        created: true,
      }));
      for (const p of inserted) {
        changed.push({ id: p.id, project_id: input.project_id, candidate_id: p.candidate_id });
      }
      if (createdLines.length) {
        await storePayrollResponsesSql(
          tx,
          createdLines.map((l) => ({
            key: payrollKey(input.project_id, l.candidate_id, input.period_start, input.period_end),
            payment_id: l.payment_id,
            payment_date: l.payment_date,
            response: l,
          })),
        );
      }
      const existingKeys = keys.filter((k) => !claimed.has(k));
      const existing: PayrollLine[] = existingKeys.length
        ? (await readPayrollResponsesSql(tx, existingKeys))
          .map((r) => ({ ...(r.response as PayrollLine), created: false }))
        : [];
      return {
        project_id: input.project_id,
        period_start: input.period_start,
        period_end: input.period_end,
        created: createdLines.length,
        existing: existing.length,
        skipped_zero: all.length - lines.length,
        payments: [...createdLines, ...existing]
          .sort((a, b) => a.candidate_id.localeCompare(b.candidate_id)),
      };
    }, o), () => paymentChanges(changed));
  return result;
}
