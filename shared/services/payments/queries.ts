/**
 * Every SQL statement the payments service runs, as builders returning unexecuted postgres.js
 * queries. The service awaits them; the plan test wraps the same builders in `explain` so a
 * statement that would scan a big table sequentially fails a test instead of production.
 *
 * `payments` is partitioned by month of payment_date with primary key (id, payment_date):
 * statements that know the date bound it (partition pruning); lookups by id alone use each
 * partition's `idx_payments_id`.
 */
import { jsonb } from "../../db/rows.ts";
import type { Tx } from "../../db/index.ts";

import type {
  PaymentAction,
  PaymentCreateInput,
  PaymentListFilter,
  PaymentRow,
  PaymentStatus,
  PayrollInput,
} from "./types.ts";

/** A payment row with its project's manager (null when the caller cannot see the project). */
export type PaymentRowWithManager = PaymentRow & { project_manager_id: string | null };

/** One requested id of a bulk approval and what became of it. */
export interface ApproveManyRow {
  id: string;
  previous_status: PaymentStatus | null;
  approved: boolean;
  /** The caller created it: four eyes leave it to someone else. */
  own: boolean;
  project_id: string | null;
  candidate_id: string | null;
}

/** A payroll line as computed from one assignment. */
export interface PayrollLineRow {
  candidate_id: string;
  daily_rate: string;
  work_from: string;
  work_to: string;
  days: number;
  amount: string;
}

/** A postgres.js client: the transaction handle `asUser`/`asServiceRole` pass in. */

/** The columns of a payment document, in response order. */
export const PAYMENT_COLUMNS = [
  "id",
  "project_id",
  "candidate_id",
  "amount",
  "payment_date",
  "status",
  "method",
  "reference",
  "period_start",
  "period_end",
  "approved_by",
  "approved_at",
  "paid_at",
  "failure_reason",
  "created_by",
  "created_at",
  "updated_at",
] as const;

/** One keyset page (limit + 1 rows, so the caller knows whether another page follows). */
export function listPaymentsSql(tx: Tx, f: PaymentListFilter) {
  return tx<PaymentRow[]>`
    select ${tx(PAYMENT_COLUMNS)} from public.payments
     where payment_date between ${f.from}::date and ${f.to}::date
       ${f.project_id ? tx`and project_id = ${f.project_id}::uuid` : tx``}
       ${f.candidate_id ? tx`and candidate_id = ${f.candidate_id}::uuid` : tx``}
       ${f.status ? tx`and status = ${f.status}::public.payment_status` : tx``}
       ${
    f.cursor
      ? tx`and (payment_date, id) < (${f.cursor.date}::text::date, ${f.cursor.id}::uuid)`
      : tx``
  }
     order by payment_date desc, id desc
     limit ${f.limit + 1}`;
}

/**
 * One payment with its project's manager (the cache entry keeps it so a cached read can apply
 * the managers-see-own-projects rule without a database round trip).
 */
export function getPaymentSql(tx: Tx, id: string) {
  return tx<PaymentRowWithManager[]>`
    select p.*, (select pr.manager_id from public.projects pr where pr.id = p.project_id)
             as project_manager_id
      from (select ${tx(PAYMENT_COLUMNS)} from public.payments where id = ${id}::uuid) p`;
}

/** Inserts one payment (RLS: admin and finance only). */
export function insertPaymentSql(tx: Tx, input: PaymentCreateInput) {
  return tx<PaymentRowWithManager[]>`
    insert into public.payments
      (project_id, candidate_id, amount, payment_date, method, reference, period_start, period_end)
    values (${input.project_id}::uuid, ${input.candidate_id}::uuid, ${input.amount}::numeric,
            ${input.payment_date}::date,
            ${input.method ?? "bank_transfer"}::public.payment_method,
            ${input.reference ?? null}, ${input.period_start ?? null}::date,
            ${input.period_end ?? null}::date)
    returning ${tx(PAYMENT_COLUMNS)},
      (select pr.manager_id from public.projects pr where pr.id = project_id) as project_manager_id`;
}

const TARGET: Record<PaymentAction["action"], PaymentStatus> = {
  approve: "approved",
  pay: "paid",
  fail: "failed",
  cancel: "cancelled",
};

/** The status an action moves a payment to. */
export const targetStatus = (action: PaymentAction["action"]): PaymentStatus => TARGET[action];

/**
 * Moves one payment. `status <> target` keeps a repeated request from silently succeeding (the
 * caller reports it as a conflict); every other forbidden move is refused by the trigger.
 */
export function transitionSql(tx: Tx, id: string, change: PaymentAction) {
  const to = TARGET[change.action];
  const reference = change.action === "pay" ? change.reference ?? null : null;
  const reason = change.action === "fail" ? change.reason : null;
  return tx<PaymentRowWithManager[]>`
    update public.payments
       set status = ${to}::public.payment_status,
           reference = coalesce(${reference}::text, reference),
           failure_reason = coalesce(${reason}::text, failure_reason)
     where id = ${id}::uuid and status <> ${to}::public.payment_status
    returning ${tx(PAYMENT_COLUMNS)},
      (select pr.manager_id from public.projects pr where pr.id = project_id) as project_manager_id`;
}

/** The current status of a payment the caller can see (to explain a refused move). */
export function statusOfSql(tx: Tx, id: string) {
  return tx<{ status: PaymentStatus }[]>`select status from public.payments where id = ${id}::uuid`;
}

/**
 * Approves every pending payment among `ids` in ONE statement and reports, per requested id,
 * whether it was approved or what it was instead (missing ids get a null status). The
 * `p.status = 'pending'` in the update is re-checked on the locked row, so a payment moved by
 * someone else meanwhile is skipped rather than failing the whole batch in the trigger; so is a
 * payment the caller created (four eyes).
 */
export function approveManySql(tx: Tx, ids: string[]) {
  return tx<ApproveManyRow[]>`
    with requested as (
      select distinct on (id) id, ord from unnest(${ids}::uuid[]) with ordinality as r(id, ord)
    ), current as (
      select p.id, p.status, p.created_by from public.payments p
       where p.id in (select id from requested)
    ), approved as (
      update public.payments p set status = 'approved'
        where p.id in (select id from current where status = 'pending') and p.status = 'pending'
          -- Four eyes (trigger payments_four_eyes): the caller's own payments are skipped, not
          -- a failure of the whole batch; they stay pending for someone else.
          and p.created_by is distinct from (select auth.uid())
      returning p.id, p.project_id, p.candidate_id
    )
    select r.id, c.status as previous_status, a.id is not null as approved,
           coalesce(c.created_by = (select auth.uid()), false) as own,
           a.project_id, a.candidate_id
      from requested r
      left join current c on c.id = r.id
      left join approved a on a.id = r.id
     order by r.ord`;
}

/** A row of the monthly report functions. */
export interface SummaryRow {
  month: string | Date;
  status: PaymentStatus;
  payments_count: number;
  total_amount: string | null;
}

/** Monthly totals from the materialized view, or computed live. */
export function monthlySummarySql(tx: Tx, from: string, to: string, live: boolean) {
  return live
    ? tx<SummaryRow[]>`select * from public.live_monthly_payments(${from}::date, ${to}::date)`
    : tx<SummaryRow[]>`select * from public.report_monthly_payments(${from}::date, ${to}::date)`;
}

/** The project a payroll run is for, if the caller can see it and it is not deleted. */
export function payrollProjectSql(tx: Tx, projectId: string) {
  return tx<{ id: string; status: string }[]>`
    select id, status from public.projects where id = ${projectId}::uuid and deleted_at is null`;
}

/**
 * One line per confirmed or completed assignment overlapping the period: the working days
 * (Monday to Friday) of the overlap and amount = days × daily_rate. Assignment dates default to
 * the project's dates. Lines of zero are returned too so the caller can count them as skipped.
 */
export function payrollLinesSql(tx: Tx, input: PayrollInput, slice: PayrollSlice = {}) {
  return tx<PayrollLineRow[]>`
    select s.candidate_id, s.daily_rate, s.work_from, s.work_to, d.days,
           (d.days * s.daily_rate)::numeric(12, 2) as amount
      from (
        select ps.candidate_id, ps.daily_rate,
               greatest(coalesce(ps.start_date, pr.start_date), ${input.period_start}::date)
                 as work_from,
               least(coalesce(ps.end_date, pr.end_date), ${input.period_end}::date) as work_to
          from public.project_staff ps
          join public.projects pr on pr.id = ps.project_id
         where ps.project_id = ${input.project_id}::uuid
           and ps.status in ('confirmed', 'completed')
           and (${slice.after ?? null}::uuid is null or ps.candidate_id > ${
    slice.after ?? null
  }::uuid)
           and (${slice.upTo ?? null}::uuid is null or ps.candidate_id <= ${
    slice.upTo ?? null
  }::uuid)
      ) s
      cross join lateral (
        select count(*)::int as days
          from generate_series(s.work_from, s.work_to, interval '1 day') g(day)
         where extract(isodow from g.day) < 6
      ) d
     where s.work_from <= s.work_to
     order by s.candidate_id`;
}

/** Days already paid that a payroll of `input` would pay again: one row per paid range. */
export interface PaidRange {
  candidate_id: string;
  payment_id: string;
  paid_from: string;
  paid_to: string;
}

/**
 * The live payments of the project whose period overlaps `input`'s (private.payment_periods, the
 * table behind the no-overlap rule; service path only), for `candidates` or every candidate.
 * `exceptSamePeriod` leaves out exactly the asked period: a rerun, which payroll's keys answer.
 */
export function paidOverlapsSql(
  tx: Tx,
  input: Pick<PayrollInput, "project_id" | "period_start" | "period_end">,
  options: { candidates?: string[]; exceptSamePeriod?: boolean } = {},
) {
  return tx<PaidRange[]>`
    select x.candidate_id, x.payment_id, lower(x.period)::text as paid_from,
           (upper(x.period) - 1)::text as paid_to
      from private.payment_periods x
     where x.project_id = ${input.project_id}::uuid
       and x.period && daterange(${input.period_start}::date, ${input.period_end}::date, '[]')
       and (${options.candidates ?? null}::uuid[] is null
            or x.candidate_id = any (${options.candidates ?? null}::uuid[]))
       and not (${options.exceptSamePeriod ?? false}::boolean
                and x.period = daterange(${input.period_start}::date, ${input.period_end}::date,
                                         '[]'))
     order by x.candidate_id, lower(x.period)`;
}

/** How many assignments a payroll run of the project pays (the async threshold counts them). */
export function payrollSizeSql(tx: Tx, projectId: string) {
  return tx<{ n: number }[]>`
    select count(*)::int as n from public.project_staff
     where project_id = ${projectId}::uuid and status in ('confirmed', 'completed')`;
}

/** A run over part of a project's assignments: candidates in (after, upTo], by id. */
export interface PayrollSlice {
  after?: string | null;
  upTo?: string | null;
}

/**
 * The candidate id that ends the next step of at most `size` payable assignments after
 * `after` (undefined when none are left), and how many there are in all.
 */
export function payrollStepSql(tx: Tx, projectId: string, after: string | null, size: number) {
  return tx<{ up_to: string | null; remaining: number }[]>`
    select (select candidate_id from (
              select candidate_id from public.project_staff
               where project_id = ${projectId}::uuid and status in ('confirmed', 'completed')
                 and (${after}::uuid is null or candidate_id > ${after}::uuid)
               order by candidate_id limit ${size}) step
             order by candidate_id desc limit 1) as up_to,
           (select count(*)::int from public.project_staff
             where project_id = ${projectId}::uuid and status in ('confirmed', 'completed')
               and (${after}::uuid is null or candidate_id > ${after}::uuid)) as remaining`;
}

/** Inserts the payroll payments of the claimed lines in one statement. */
export function insertPayrollSql(
  tx: Tx,
  input: PayrollInput,
  lines: { candidate_id: string; amount: string }[],
) {
  return tx<{ id: string; candidate_id: string; amount: string; payment_date: string | Date }[]>`
    insert into public.payments
      (project_id, candidate_id, amount, payment_date, method, period_start, period_end)
    select ${input.project_id}::uuid, l.candidate_id, l.amount, ${input.payment_date}::date,
           ${input.method ?? "bank_transfer"}::public.payment_method,
           ${input.period_start}::date, ${input.period_end}::date
      from unnest(${lines.map((l) => l.candidate_id)}::uuid[],
                  ${lines.map((l) => l.amount)}::numeric[]) as l(candidate_id, amount)
    returning id, candidate_id, amount, payment_date`;
}

/** Claims payroll keys in sorted order (two concurrent runs then cannot deadlock on them). */
export function claimPayrollKeysSql(tx: Tx, keys: string[], hashes: string[], userId: string) {
  return tx<{ key: string }[]>`
    insert into public.payment_idempotency_keys (key, user_id, request_hash)
    select k.key, ${userId}::uuid, k.hash
      from unnest(${keys}::text[], ${hashes}::text[]) as k(key, hash)
     order by k.key
    on conflict (key) do nothing
    returning key`;
}

/** Records each created payroll payment under its key. */
export function storePayrollResponsesSql(
  tx: Tx,
  rows: { key: string; payment_id: string; payment_date: string; response: unknown }[],
) {
  return tx`
    update public.payment_idempotency_keys k
       set payment_id = r.payment_id, payment_date = r.payment_date, status_code = 201,
           response = r.response
      from jsonb_to_recordset(${jsonb(tx, rows)})
           as r(key text, payment_id uuid, payment_date date, response jsonb)
     where k.key = r.key`;
}

/** The lines earlier runs recorded under these keys. */
export function readPayrollResponsesSql(tx: Tx, keys: string[]) {
  return tx<{ response: unknown }[]>`
    select response from public.payment_idempotency_keys
     where key = any(${keys}::text[]) and response is not null
     order by key`;
}
