/**
 * Shapes the payments service hands to its callers: JSON-ready (money and dates as strings,
 * timestamps as ISO strings), so a fresh response, a cached one and an idempotent replay read
 * from jsonb are byte-for-byte the same document.
 */

import { isoOrNull } from "../../db/rows.ts";

export const PAYMENT_STATUSES = ["pending", "approved", "paid", "failed", "cancelled"] as const;
export type PaymentStatus = typeof PAYMENT_STATUSES[number];

export const PAYMENT_METHODS = ["bank_transfer", "duitnow", "cash", "cheque"] as const;
export type PaymentMethod = typeof PAYMENT_METHODS[number];

/** One payment as every route returns it. */
export interface PaymentJson {
  id: string;
  project_id: string;
  candidate_id: string;
  amount: string;
  payment_date: string;
  status: PaymentStatus;
  method: PaymentMethod;
  reference: string | null;
  period_start: string | null;
  period_end: string | null;
  approved_by: string | null;
  approved_at: string | null;
  paid_at: string | null;
  failure_reason: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A payments row as postgres.js returns it (timestamps as Date, dates maybe as Date). */
export type PaymentRow = { [K in keyof PaymentJson]: unknown };

/** A `date` column as `YYYY-MM-DD` whether postgres.js returned a string or a Date. */
// Dates must stay calendar dates: a Date for a `date` column is midnight UTC, so the first 10
// characters of its ISO form are the stored day.
export const day = (value: unknown): string | null => {
  const text = isoOrNull(value);
  return text === null ? null : text.slice(0, 10);
};

/** Turns a row into the JSON document clients see. */
export function toPaymentJson(row: PaymentRow): PaymentJson {
  return {
    id: String(row.id),
    project_id: String(row.project_id),
    candidate_id: String(row.candidate_id),
    amount: String(row.amount),
    payment_date: day(row.payment_date)!,
    status: row.status as PaymentStatus,
    method: row.method as PaymentMethod,
    reference: (row.reference as string | null) ?? null,
    period_start: day(row.period_start),
    period_end: day(row.period_end),
    approved_by: (row.approved_by as string | null) ?? null,
    approved_at: isoOrNull(row.approved_at),
    paid_at: isoOrNull(row.paid_at),
    failure_reason: (row.failure_reason as string | null) ?? null,
    created_by: (row.created_by as string | null) ?? null,
    created_at: isoOrNull(row.created_at)!,
    updated_at: isoOrNull(row.updated_at)!,
  };
}

/** Filters of the list route, already defaulted (the date window is always bounded). */
export interface PaymentListFilter {
  from: string;
  to: string;
  project_id?: string;
  candidate_id?: string;
  status?: PaymentStatus;
  limit: number;
  cursor?: { date: string; id: string } | null;
}

/** Body of `POST /payments`. */
export interface PaymentCreateInput {
  project_id: string;
  candidate_id: string;
  amount: string;
  payment_date: string;
  method?: PaymentMethod;
  reference?: string | null;
  period_start?: string | null;
  period_end?: string | null;
}

/** Body of `POST /payments/payroll`. */
export interface PayrollInput {
  project_id: string;
  period_start: string;
  period_end: string;
  payment_date: string;
  method?: PaymentMethod;
}

/** A status move a route asks for; the database trigger decides whether it is allowed. */
export type PaymentAction =
  | { action: "approve" }
  | { action: "pay"; reference?: string | null }
  | { action: "fail"; reason: string }
  | { action: "cancel" };

/** One month × status line of the summary report. */
export interface MonthlySummaryLine {
  month: string;
  status: PaymentStatus;
  payments_count: number;
  total_amount: string;
}
